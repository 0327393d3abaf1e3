{{- define "periscope-agent.stateSecretName" -}}
{{- .Values.agent.stateSecretName | default (printf "%s-state" (include "periscope-common.fullname" .)) }}
{{- end }}

{{/* The registration token's Secret and key, or nothing. */}}
{{- define "periscope-agent.tokenSecretName" -}}
{{- if .Values.agent.registrationTokenSecret.name }}
{{- .Values.agent.registrationTokenSecret.name }}
{{- else if .Values.agent.registrationToken }}
{{- printf "%s-registration" (include "periscope-common.fullname" .) }}
{{- end }}
{{- end }}

{{/* The ClusterRole the agent's service account holds in this cluster. */}}
{{- define "periscope-agent.clusterRole" -}}
{{- .Values.rbac.clusterRole | default (printf "%simpersonator" (.Values.clusterRBAC.namePrefix | default "periscope-")) }}
{{- end }}
