// The audit verbs the verb filter offers: the closed set of docs/audit.md (its table is the
// server's `verbs!` in crates/periscope/src/audit/event.rs). A unit test reads that table and
// fails when this list drifts from it.

export const AUDIT_VERBS = [
  'auth.login',
  'auth.logout',
  'delete',
  'apply',
  'scale',
  'restart',
  'cordon',
  'uncordon',
  'suspend',
  'resume',
  'labels',
  'trigger',
  'rollback',
  'secret_reveal',
  'exec_open',
  'exec_close',
  'exec_terminate',
  'bulk_download',
  'log_open',
  'proxy',
  'token_create',
  'token_revoke',
  'audit_export',
  'helm_rollback',
  'helm_install',
  'helm_upgrade',
  'helm_uninstall',
  'agent_token_create',
  'agent_renew',
  'agent_register',
] as const;

export const AUDIT_OUTCOMES = ['success', 'failure', 'denied'] as const;
export const AUDIT_PHASES = ['intent', 'outcome'] as const;
