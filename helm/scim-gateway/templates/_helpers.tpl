{{/*
Helpers. Most take a workload context, built where the workloads are iterated (workloads.yaml):
  root      the chart's root context ($)
  name      the component: gateway | identity | directory | credentials | entitlement (or "monitoring")
  topo      its entry in "scim-gateway.topology"
  v         its values (.Values.<name>)
  topology  the whole topology
*/}}

{{/*
What the code fixes, not the operator: the processes, their entrypoints, whom each one calls (peers, wired as
<PEER>_ADDR and allowed by the NetworkPolicies) and which Secret references each one reads (env name: values key).
*/}}
{{- define "scim-gateway.topology" -}}
gateway:
  protocol: http
  entrypoint: dist/gateway/src/main.js
  peers: [directory, credentials, entitlement, identity]
  secrets: {ADMIN_TOKEN: adminToken, REDIS_URL: redis}
identity:
  protocol: grpc
  entrypoint: dist/services/identity/src/main.js
  peers: [directory]
  secrets: {MONGODB_URI: mongodb, REDIS_URL: redis}
directory:
  protocol: grpc
  entrypoint: dist/services/directory/src/main.js
  peers: []
  secrets: {MONGODB_URI: mongodb}
credentials:
  protocol: grpc
  entrypoint: dist/services/credentials/src/main.js
  peers: []
  secrets: {MONGODB_URI: mongodb}
entitlement:
  protocol: grpc
  entrypoint: dist/services/entitlement/src/main.js
  peers: []
  secrets: {MONGODB_URI: mongodb}
{{- end }}

{{- define "scim-gateway.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-wide prefix; at most 50 characters so "-<component>" always fits in 63. */}}
{{- define "scim-gateway.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 50 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Name of a component's resources (Deployment, Service, ConfigMap, ...): <fullname>-<component>. */}}
{{- define "scim-gateway.componentName" -}}
{{- printf "%s-%s" (include "scim-gateway.fullname" .root) .name }}
{{- end }}

{{- define "scim-gateway.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Selector labels: stable for the life of a release (no version, no chart). */}}
{{- define "scim-gateway.selectorLabels" -}}
app.kubernetes.io/name: {{ include "scim-gateway.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end }}

{{/* Pod template labels: selector labels plus version and part-of (no chart label: a chart bump alone does not roll pods). */}}
{{- define "scim-gateway.podLabels" -}}
{{ include "scim-gateway.selectorLabels" . }}
app.kubernetes.io/version: {{ include "scim-gateway.version" .root | quote }}
app.kubernetes.io/part-of: {{ include "scim-gateway.name" .root }}
{{- end }}

{{/* Metadata labels of every resource. */}}
{{- define "scim-gateway.labels" -}}
helm.sh/chart: {{ include "scim-gateway.chart" .root }}
{{ include "scim-gateway.podLabels" . }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "scim-gateway.version" -}}
{{- .Values.image.tag | default .Chart.AppVersion | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "scim-gateway.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
{{- end }}

{{- define "scim-gateway.serviceAccountName" -}}
{{- if .root.Values.serviceAccount.create }}
{{- include "scim-gateway.componentName" . }}
{{- else }}
{{- .root.Values.serviceAccount.name | default "default" }}
{{- end }}
{{- end }}

{{/* The external base URL: publicUrl, else the first ingress host. */}}
{{- define "scim-gateway.publicUrl" -}}
{{- if .Values.publicUrl }}
{{- trimSuffix "/" .Values.publicUrl }}
{{- else if and .Values.ingress.enabled .Values.ingress.hosts }}
{{- printf "%s://%s" (ternary "https" "http" (not (empty .Values.ingress.tls))) (first .Values.ingress.hosts).host }}
{{- else }}
{{- fail "publicUrl is required: the gateway's external base URL (e.g. https://id.example.com), from which it builds the SCIM base URLs given to Okta and the OIDC redirect URIs. Set publicUrl, or enable the ingress with a host." }}
{{- end }}
{{- end }}

{{/* TRUST_PROXY: explicit value, else one hop (the ingress controller) when the ingress is on. */}}
{{- define "scim-gateway.trustProxy" -}}
{{- if kindIs "invalid" .v.trustProxy }}
{{- ternary 1 0 (.root.Values.ingress.enabled | default false) }}
{{- else }}
{{- .v.trustProxy }}
{{- end }}
{{- end }}

{{/* Address of a gRPC peer: its Service name and port (same namespace). Takes (dict "root" $ "name" peer). */}}
{{- define "scim-gateway.peerAddress" -}}
{{- printf "%s:%v" (include "scim-gateway.componentName" .) (index .root.Values .name).grpcPort }}
{{- end }}

{{/*
Non-secret environment of a workload (its ConfigMap's data, sorted). Chart-managed keys win over `config`, so
ports and peer addresses always match the probes, Services and NetworkPolicies.
*/}}
{{- define "scim-gateway.configData" -}}
{{- $data := dict -}}
{{- range $k, $val := (.v.config | default dict) }}
{{- $str := toString $val }}
{{- /* YAML numbers arrive as float64: print whole ones as integers, not 1.048576e+06. */}}
{{- if and (kindIs "float64" $val) (eq $val (float64 (int64 $val))) }}{{ $str = printf "%d" (int64 $val) }}{{ end }}
{{- $_ := set $data $k $str }}
{{- end }}
{{- $_ := set $data "NODE_ENV" "production" }}
{{- $_ := set $data "LOG_LEVEL" (.v.logLevel | default .root.Values.logLevel) }}
{{- $_ := set $data "METRICS_PORT" (toString .v.metricsPort) }}
{{- if eq .topo.protocol "grpc" }}
{{- $_ := set $data "GRPC_PORT" (toString .v.grpcPort) }}
{{- else }}
{{- $_ := set $data "PORT" (toString .v.port) }}
{{- $_ := set $data "PUBLIC_URL" (include "scim-gateway.publicUrl" .root) }}
{{- $_ := set $data "TRUST_PROXY" (include "scim-gateway.trustProxy" .) }}
{{- end }}
{{- range .topo.peers }}
{{- $_ := set $data (printf "%s_ADDR" (upper .)) (include "scim-gateway.peerAddress" (dict "root" $.root "name" .)) }}
{{- end }}
{{- toYaml $data }}
{{- end }}

{{/* Secrets, by reference only: one secretKeyRef per variable the component reads. */}}
{{- define "scim-gateway.secretEnv" -}}
{{- range $envName, $key := .topo.secrets }}
{{- $ref := index $.root.Values $key }}
- name: {{ $envName }}
  valueFrom:
    secretKeyRef:
      name: {{ $ref.existingSecret | quote }}
      key: {{ $ref.existingSecretKey | quote }}
{{- end }}
{{- end }}

{{/* A probe: the action follows the protocol, the timings are the shared ones with the workload's overrides. */}}
{{- define "scim-gateway.probe" -}}
{{- $ctx := .ctx -}}
{{- $timing := deepCopy (index $ctx.root.Values.probes .kind) -}}
{{- range $k, $val := (index ($ctx.v.probes | default dict) .kind | default dict) }}
{{- $_ := set $timing $k $val }}
{{- end }}
{{- if eq $ctx.topo.protocol "grpc" }}
grpc:
  port: {{ $ctx.v.grpcPort }}
{{- else }}
httpGet:
  path: {{ ternary "/readyz" "/healthz" (eq .kind "readiness") }}
  port: http
{{- end }}
{{ toYaml $timing }}
{{- end }}

{{/* Scheduling value of a workload: its own when non-empty, else the shared one. Takes (dict "ctx" . "key" name). */}}
{{- define "scim-gateway.scheduling" -}}
{{- $own := index .ctx.v .key -}}
{{- $shared := index .ctx.root.Values .key -}}
{{- with ($own | default $shared) }}
{{- toYaml . }}
{{- end }}
{{- end }}

{{/* Prometheus label matcher of one component's scrape job (see the ServiceMonitor's job relabeling). */}}
{{- define "scim-gateway.jobMatcher" -}}
namespace="{{ .root.Release.Namespace }}", job="{{ include "scim-gateway.componentName" . }}"
{{- end }}

{{/* Regex of resource names (= scrape jobs) of all workloads, or of the gRPC services only. Takes (dict "root" $ "grpcOnly" bool). */}}
{{- define "scim-gateway.componentsRegex" -}}
{{- $names := list -}}
{{- range $n, $t := (include "scim-gateway.topology" .root | fromYaml) }}
{{- if or (not $.grpcOnly) (eq $t.protocol "grpc") }}{{ $names = append $names $n }}{{ end }}
{{- end -}}
{{ include "scim-gateway.fullname" .root }}-({{ $names | sortAlpha | join "|" }})
{{- end }}

{{/* The /tmp emptyDir: only the fields that are set ({} otherwise). */}}
{{- define "scim-gateway.tmpVolume" -}}
{{- $vol := dict -}}
{{- with .Values.tmpVolume.medium }}{{ $_ := set $vol "medium" . }}{{ end -}}
{{- with .Values.tmpVolume.sizeLimit }}{{ $_ := set $vol "sizeLimit" . }}{{ end -}}
{{- toYaml $vol }}
{{- end }}
