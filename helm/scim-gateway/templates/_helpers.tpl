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

{{/*
"production" when MongoDB or Redis is referenced (replicas, autoscalers, PodDisruptionBudgets; both must then be
set), else "trial": one replica each, the embedded store on PersistentVolumeClaims, in-process caches.
*/}}
{{- define "scim-gateway.mode" -}}
{{- if or .Values.mongodb.existingSecret .Values.redis.existingSecret }}production{{ else }}trial{{ end }}
{{- end }}

{{/* Every value the chosen mode still needs, reported in one round (fails the render). */}}
{{- define "scim-gateway.validate" -}}
{{- $missing := list -}}
{{- if eq (include "scim-gateway.mode" .) "production" }}
{{- if not .Values.mongodb.existingSecret }}{{ $missing = append $missing "mongodb.existingSecret: the Secret holding the MongoDB connection string (production mode, chosen because redis.existingSecret is set, needs MongoDB and Redis)" }}{{ end }}
{{- if not .Values.redis.existingSecret }}{{ $missing = append $missing "redis.existingSecret: the Secret holding the Redis URL (production mode, chosen because mongodb.existingSecret is set, needs MongoDB and Redis)" }}{{ end }}
{{- if not (or .Values.publicUrl (and .Values.ingress.enabled .Values.ingress.hosts)) }}{{ $missing = append $missing "publicUrl: the gateway's external base URL (e.g. https://id.example.com), from which it builds the SCIM base URLs given to Okta and the OIDC redirect URIs (or enable the ingress with a host)" }}{{ end }}
{{- end }}
{{- if and .Values.grpcTls.enabled (not .Values.grpcTls.existingSecret) }}{{ $missing = append $missing "grpcTls.existingSecret: the Secret holding ca.crt, tls.crt and tls.key for TLS between the services (grpcTls.enabled is true)" }}{{ end }}
{{- if $missing }}
{{- fail (printf "\n%d value(s) missing:\n  - %s" (len $missing) (join "\n  - " $missing)) }}
{{- end }}
{{- end }}

{{/* Replicas of a workload: one in trial mode. */}}
{{- define "scim-gateway.replicas" -}}
{{- if eq (include "scim-gateway.mode" .root) "trial" }}1{{ else }}{{ .v.replicaCount }}{{ end }}
{{- end }}

{{/* Non-empty when a workload has an autoscaler (production mode only). */}}
{{- define "scim-gateway.autoscaled" -}}
{{- if and .v.autoscaling.enabled (eq (include "scim-gateway.mode" .root) "production") }}true{{ end }}
{{- end }}

{{/* Non-empty when a workload keeps the embedded store on a PersistentVolumeClaim (trial mode, gRPC services). */}}
{{- define "scim-gateway.embeddedStore" -}}
{{- if and (eq .topo.protocol "grpc") (eq (include "scim-gateway.mode" .root) "trial") }}true{{ end }}
{{- end }}

{{/* The admin token's Secret: the referenced one, else the one this chart generates (admin-token-secret.yaml). */}}
{{- define "scim-gateway.adminTokenSecret" -}}
{{- .Values.adminToken.existingSecret | default (printf "%s-admin-token" (include "scim-gateway.fullname" .)) }}
{{- end }}

{{/* The external base URL: publicUrl, else the first ingress host, else (trial) the port-forward address. */}}
{{- define "scim-gateway.publicUrl" -}}
{{- if .Values.publicUrl }}
{{- trimSuffix "/" .Values.publicUrl }}
{{- else if and .Values.ingress.enabled .Values.ingress.hosts }}
{{- printf "%s://%s" (ternary "https" "http" (not (empty .Values.ingress.tls))) (first .Values.ingress.hosts).host }}
{{- else if eq (include "scim-gateway.mode" .) "trial" }}
{{- print "http://localhost:8080" }}
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
{{- if include "scim-gateway.embeddedStore" . }}
{{- $_ := set $data "DATA_DIR" "/data" }}
{{- end }}
{{- if .root.Values.grpcTls.enabled }}
{{- $_ := set $data "GRPC_TLS_CA_FILE" "/etc/scim-gateway/grpc-tls/ca.crt" }}
{{- $_ := set $data "GRPC_TLS_CERT_FILE" "/etc/scim-gateway/grpc-tls/tls.crt" }}
{{- $_ := set $data "GRPC_TLS_KEY_FILE" "/etc/scim-gateway/grpc-tls/tls.key" }}
{{- if eq .topo.protocol "grpc" }}
{{- $_ := set $data "GRPC_HEALTH_PORT" (toString .root.Values.grpcTls.healthPort) }}
{{- end }}
{{- end }}
{{- toYaml $data }}
{{- end }}

{{/* Secrets, by reference only: one secretKeyRef per variable the component reads. */}}
{{- define "scim-gateway.secretEnv" -}}
{{- $trial := eq (include "scim-gateway.mode" .root) "trial" }}
{{- range $envName, $key := .topo.secrets }}
{{- $ref := index $.root.Values $key }}
{{- if eq $key "adminToken" }}
- name: {{ $envName }}
  valueFrom:
    secretKeyRef:
      name: {{ include "scim-gateway.adminTokenSecret" $.root | quote }}
      key: {{ if $ref.existingSecret }}{{ $ref.existingSecretKey | quote }}{{ else }}"admin-token"{{ end }}
{{- else if not $trial }}
- name: {{ $envName }}
  valueFrom:
    secretKeyRef:
      name: {{ $ref.existingSecret | quote }}
      key: {{ $ref.existingSecretKey | quote }}
{{- end }}
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
  {{- /* kubelet's gRPC probes cannot speak TLS: with grpcTls on they use the plaintext health-only port. */}}
  port: {{ $ctx.root.Values.grpcTls.enabled | ternary $ctx.root.Values.grpcTls.healthPort $ctx.v.grpcPort }}
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
