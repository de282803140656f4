{{- define "tern.fullname" -}}{{ printf "%s-tern" .Release.Name | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- define "tern.image" -}}{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}{{- end -}}
{{- define "tern.labels" -}}
app.kubernetes.io/name: tern
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}
