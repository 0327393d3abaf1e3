{{/* The five tiers, lowest first. */}}
{{- define "periscope-cluster-rbac.tierNames" -}}
read triage write maintain admin
{{- end }}

{{/* The ClusterRole each tier's group is bound to: built-ins, or this chart's aggregated roles. */}}
{{- define "periscope-cluster-rbac.tierRole" -}}
{{- $builtin := dict "read" "view" "write" "edit" "admin" "cluster-admin" -}}
{{- get $builtin .tier | default (printf "%s%s" .root.Values.namePrefix .tier) -}}
{{- end }}

{{/* Label that adds a ClusterRole's rules to a tier's aggregated role (value: that role's name). */}}
{{- define "periscope-cluster-rbac.aggregateLabel" -}}
periscope.dev/aggregate-to
{{- end }}
