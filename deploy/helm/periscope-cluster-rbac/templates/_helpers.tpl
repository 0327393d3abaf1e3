{{/* The five tiers, lowest first. */}}
{{- define "periscope-cluster-rbac.tierNames" -}}
read triage write maintain admin
{{- end }}
