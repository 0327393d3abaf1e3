{{/* "true" when some cluster entry uses this backend (pass dict "root" . "backend" name). */}}
{{- define "periscope.usesBackend" -}}
{{- range .root.Values.clusters }}
{{- if eq (.backend | default "eks") $.backend }}true{{ end }}
{{- end }}
{{- end }}

{{/* The Secret of sensitive settings, or "" when there is none. */}}
{{- define "periscope.secretName" -}}
{{- if .Values.secrets.existingSecret }}
{{- .Values.secrets.existingSecret }}
{{- else if or .Values.secrets.values .Values.secrets.externalSecret.enabled }}
{{- printf "%s-secrets" (include "periscope-common.fullname" .) }}
{{- end }}
{{- end }}

{{/* "true" when the data volume holds state that one writer owns (SQLite, the agent CA). */}}
{{- define "periscope.singleWriter" -}}
{{- if or .Values.persistence.enabled (has "sqlite" .Values.audit.sinks) .Values.agent.enabled }}true{{ end }}
{{- end }}

{{/* The tunnel Service's name. */}}
{{- define "periscope.tunnelServiceName" -}}
{{- printf "%s-tunnel" (include "periscope-common.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The ClusterRole the service account gets in this cluster for `backend: in-cluster`. */}}
{{- define "periscope.inClusterRole" -}}
{{- .Values.rbac.inClusterRole | default (printf "%simpersonator" (.Values.clusterRBAC.namePrefix | default "periscope-")) }}
{{- end }}

{{/* auth.yaml and clusters.yaml as the server reads them. */}}
{{- define "periscope.authYaml" -}}
{{- if .Values.auth }}{{ toYaml .Values.auth }}{{ else }}{}{{ end }}
{{- end }}
{{- define "periscope.clustersYaml" -}}
{{ toYaml (dict "clusters" .Values.clusters) }}
{{- end }}
