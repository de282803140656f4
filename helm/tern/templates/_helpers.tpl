{{- define "tern.fullname" -}}{{ printf "%s-tern" .Release.Name | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- define "tern.image" -}}{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}{{- end -}}
{{- define "tern.labels" -}}
app.kubernetes.io/name: tern
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}
{{/* Pods of one component spread over nodes (or zones): a node going down takes few of them. */}}
{{- define "tern.spread" -}}
{{- if .ctx.Values.topologySpread.enabled -}}
topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: {{ .ctx.Values.topologySpread.topologyKey }}
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        app.kubernetes.io/instance: {{ .ctx.Release.Name }}
        app.kubernetes.io/component: {{ .component }}
{{- end }}
{{- end -}}
{{/* The selector of one component's pods. */}}
{{- define "tern.selector" -}}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}
{{/* The Secret and key holding the PostgreSQL URL: CloudNativePG's app secret when the chart
makes the cluster, else database.existingSecret. */}}
{{- define "tern.databaseSecretName" -}}
{{- if .Values.database.cloudnativepg.enabled -}}{{ include "tern.fullname" . }}-pg-app{{- else -}}{{ .Values.database.existingSecret }}{{- end -}}
{{- end -}}
{{- define "tern.databaseSecretKey" -}}
{{- if .Values.database.cloudnativepg.enabled -}}uri{{- else -}}{{ .Values.database.secretKey }}{{- end -}}
{{- end -}}
