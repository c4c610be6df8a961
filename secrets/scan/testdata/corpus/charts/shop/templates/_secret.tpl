{{- define "shop.dbSecret" -}}
apiVersion: v1
kind: Secret
metadata:
  name: {{ .Release.Name }}-db
data:
  password: dHBsLWRlZmluZQ==
{{- end }}
