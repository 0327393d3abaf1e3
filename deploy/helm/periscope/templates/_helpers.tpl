{{/* The chart name, or nameOverride. */}}
{{- define "periscope.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's full name: fullnameOverride, else the release name (with the chart name unless it holds it). */}}
{{- define "periscope.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Labels that select this release's pods. */}}
{{- define "periscope.selectorLabels" -}}
app.kubernetes.io/name: {{ include "periscope.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels of every object. */}}
{{- define "periscope.labels" -}}
{{ include "periscope.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: periscope
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "periscope.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "periscope.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "periscope.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
{{- end }}

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
{{- printf "%s-secrets" (include "periscope.fullname" .) }}
{{- end }}
{{- end }}

{{/* "true" when the data volume holds state that one writer owns (SQLite, the agent CA). */}}
{{- define "periscope.singleWriter" -}}
{{- if or .Values.persistence.enabled (has "sqlite" .Values.audit.sinks) .Values.agent.enabled }}true{{ end }}
{{- end }}

{{/* The tunnel Service's name. */}}
{{- define "periscope.tunnelServiceName" -}}
{{- printf "%s-tunnel" (include "periscope.fullname" .) | trunc 63 | trimSuffix "-" }}
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
