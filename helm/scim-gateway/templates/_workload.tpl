{{/*
The one workload template, rendered for each of the five processes by workloads.yaml: ConfigMap, ServiceAccount,
Service(s), Deployment, PodDisruptionBudget, HorizontalPodAutoscaler and NetworkPolicy. Takes a workload context.
*/}}
{{- define "scim-gateway.workload" -}}
{{ include "scim-gateway.workload.configMap" . }}
{{- if .root.Values.serviceAccount.create }}
---
{{ include "scim-gateway.workload.serviceAccount" . }}
{{- end }}
---
{{ include "scim-gateway.workload.service" (dict "ctx" . "metricsOnly" false) }}
{{- if include "scim-gateway.separateMetricsService" . }}
---
{{ include "scim-gateway.workload.service" (dict "ctx" . "metricsOnly" true) }}
{{- end }}
---
{{ include "scim-gateway.workload.deployment" . }}
{{- if and .v.pdb.create (eq (include "scim-gateway.mode" .root) "production") }}
---
{{ include "scim-gateway.workload.pdb" . }}
{{- end }}
{{- if include "scim-gateway.autoscaled" . }}
---
{{ include "scim-gateway.workload.hpa" . }}
{{- end }}
{{- if include "scim-gateway.embeddedStore" . }}
---
{{ include "scim-gateway.workload.pvc" . }}
{{- end }}
{{- if .root.Values.networkPolicy.enabled }}
---
{{ include "scim-gateway.workload.networkPolicy" . }}
{{- end }}
{{- end }}

{{/* Non-empty when the metrics port must not share a Service exposed outside the cluster. */}}
{{- define "scim-gateway.separateMetricsService" -}}
{{- if eq .topo.protocol "http" }}
{{- if ne (.v.service.type | default "ClusterIP") "ClusterIP" }}true{{ end }}
{{- end }}
{{- end }}

{{- define "scim-gateway.workload.configMap" -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "scim-gateway.componentName" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "scim-gateway.labels" . | nindent 4 }}
data:
  {{- include "scim-gateway.configData" . | nindent 2 }}
{{- end }}

{{- define "scim-gateway.workload.serviceAccount" -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "scim-gateway.serviceAccountName" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "scim-gateway.labels" . | nindent 4 }}
  {{- with (merge (dict) (.v.serviceAccountAnnotations | default dict) .root.Values.serviceAccount.annotations) }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
automountServiceAccountToken: {{ .root.Values.serviceAccount.automountToken }}
{{- end }}

{{/* The workload's Service; with metricsOnly, the ClusterIP Service carrying only the metrics port. */}}
{{- define "scim-gateway.workload.service" -}}
{{- $ctx := .ctx -}}
{{- $grpc := eq $ctx.topo.protocol "grpc" -}}
{{- $separate := include "scim-gateway.separateMetricsService" $ctx -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "scim-gateway.componentName" $ctx }}{{ if .metricsOnly }}-metrics{{ end }}
  namespace: {{ $ctx.root.Release.Namespace }}
  labels:
    {{- include "scim-gateway.labels" $ctx | nindent 4 }}
  {{- if and (not .metricsOnly) (not $grpc) }}
  {{- with $ctx.v.service.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- end }}
spec:
  type: {{ if or .metricsOnly $grpc }}ClusterIP{{ else }}{{ $ctx.v.service.type | default "ClusterIP" }}{{ end }}
  selector:
    {{- include "scim-gateway.selectorLabels" $ctx | nindent 4 }}
  ports:
    {{- if not .metricsOnly }}
    {{- if $grpc }}
    - name: grpc
      port: {{ $ctx.v.grpcPort }}
      targetPort: grpc
      protocol: TCP
      appProtocol: grpc
    {{- else }}
    - name: http
      port: {{ $ctx.v.service.port }}
      targetPort: http
      protocol: TCP
      appProtocol: http
    {{- end }}
    {{- end }}
    {{- if or .metricsOnly (not $separate) }}
    - name: metrics
      port: {{ $ctx.v.metricsPort }}
      targetPort: metrics
      protocol: TCP
      appProtocol: http
    {{- end }}
{{- end }}

{{- define "scim-gateway.workload.deployment" -}}
{{- $root := .root -}}
{{- $v := .v -}}
{{- $grpc := eq .topo.protocol "grpc" -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "scim-gateway.componentName" . }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "scim-gateway.labels" . | nindent 4 }}
spec:
  {{- if not (include "scim-gateway.autoscaled" .) }}
  replicas: {{ include "scim-gateway.replicas" . }}
  {{- end }}
  revisionHistoryLimit: {{ $root.Values.revisionHistoryLimit }}
  strategy:
    {{- if and $grpc (eq (include "scim-gateway.mode" $root) "trial") }}
    # Trial: the embedded store's volume is ReadWriteOnce and its files have one writer: the old pod stops first.
    type: Recreate
    {{- else }}
    {{- toYaml $root.Values.updateStrategy | nindent 4 }}
    {{- end }}
  selector:
    matchLabels:
      {{- include "scim-gateway.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "scim-gateway.podLabels" . | nindent 8 }}
        {{- with (merge (dict) ($v.podLabels | default dict) $root.Values.podLabels) }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        # A change of the ConfigMap (ports, peers, PUBLIC_URL, config) rolls the pods.
        checksum/config: {{ include "scim-gateway.configData" . | sha256sum }}
        {{- with (merge (dict) ($v.podAnnotations | default dict) $root.Values.podAnnotations) }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "scim-gateway.serviceAccountName" . }}
      automountServiceAccountToken: {{ $root.Values.serviceAccount.automountToken }}
      # Five Services in one namespace would add dozens of docker-link variables to every container.
      enableServiceLinks: false
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $root.Values.priorityClassName }}
      priorityClassName: {{ . }}
      {{- end }}
      securityContext:
        {{- toYaml $root.Values.podSecurityContext | nindent 8 }}
      terminationGracePeriodSeconds: {{ $root.Values.terminationGracePeriodSeconds }}
      containers:
        - name: {{ .name }}
          image: {{ include "scim-gateway.image" $root | quote }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          # The image's ENTRYPOINT (tini) stays PID 1; only the process it starts differs per workload.
          args:
            - node
            - {{ .topo.entrypoint }}
          ports:
            {{- if $grpc }}
            - name: grpc
              containerPort: {{ $v.grpcPort }}
              protocol: TCP
            {{- else }}
            - name: http
              containerPort: {{ $v.port }}
              protocol: TCP
            {{- end }}
            - name: metrics
              containerPort: {{ $v.metricsPort }}
              protocol: TCP
            {{- if and $grpc $root.Values.grpcTls.enabled }}
            - name: grpc-health
              containerPort: {{ $root.Values.grpcTls.healthPort }}
              protocol: TCP
            {{- end }}
          envFrom:
            - configMapRef:
                name: {{ include "scim-gateway.componentName" . }}
          {{- $secretEnv := include "scim-gateway.secretEnv" . | trim }}
          {{- if or $secretEnv $root.Values.extraEnv $v.extraEnv }}
          env:
            {{- with $secretEnv }}
            {{- . | nindent 12 }}
            {{- end }}
            {{- with $root.Values.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
            {{- with $v.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          {{- end }}
          startupProbe:
            {{- include "scim-gateway.probe" (dict "ctx" . "kind" "startup") | trim | nindent 12 }}
          livenessProbe:
            {{- include "scim-gateway.probe" (dict "ctx" . "kind" "liveness") | trim | nindent 12 }}
          readinessProbe:
            {{- include "scim-gateway.probe" (dict "ctx" . "kind" "readiness") | trim | nindent 12 }}
          {{- if and $root.Values.preStopSleepSeconds (semverCompare ">=1.30-0" $root.Capabilities.KubeVersion.Version) }}
          lifecycle:
            preStop:
              sleep:
                seconds: {{ $root.Values.preStopSleepSeconds }}
          {{- end }}
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          securityContext:
            {{- toYaml $root.Values.containerSecurityContext | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            {{- if include "scim-gateway.embeddedStore" . }}
            - name: data
              mountPath: /data
            {{- end }}
            {{- if $root.Values.grpcTls.enabled }}
            - name: grpc-tls
              mountPath: /etc/scim-gateway/grpc-tls
              readOnly: true
            {{- end }}
      volumes:
        - name: tmp
          emptyDir: {{- include "scim-gateway.tmpVolume" $root | nindent 12 }}
        {{- if include "scim-gateway.embeddedStore" . }}
        - name: data
          persistentVolumeClaim:
            claimName: {{ include "scim-gateway.componentName" . }}-data
        {{- end }}
        {{- if $root.Values.grpcTls.enabled }}
        - name: grpc-tls
          secret:
            secretName: {{ $root.Values.grpcTls.existingSecret }}
            # 0440 (written in decimal: YAML 1.1 and 1.2 read a leading 0 differently): owner and the pod's group
            # (fsGroup 10001) may read, no one else.
            defaultMode: 288
            items:
              - {key: {{ $root.Values.grpcTls.caKey | quote }}, path: ca.crt}
              - {key: {{ $root.Values.grpcTls.certKey | quote }}, path: tls.crt}
              - {key: {{ $root.Values.grpcTls.keyKey | quote }}, path: tls.key}
        {{- end }}
      {{- with (include "scim-gateway.scheduling" (dict "ctx" . "key" "nodeSelector")) }}
      nodeSelector:
        {{- . | nindent 8 }}
      {{- end }}
      {{- with (include "scim-gateway.scheduling" (dict "ctx" . "key" "tolerations")) }}
      tolerations:
        {{- . | nindent 8 }}
      {{- end }}
      {{- with (include "scim-gateway.scheduling" (dict "ctx" . "key" "affinity")) }}
      affinity:
        {{- . | nindent 8 }}
      {{- end }}
      {{- if $root.Values.topologySpread.enabled }}
      topologySpreadConstraints:
        - topologyKey: {{ $root.Values.topologySpread.topologyKey }}
          maxSkew: {{ $root.Values.topologySpread.maxSkew }}
          whenUnsatisfiable: {{ $root.Values.topologySpread.whenUnsatisfiable }}
          labelSelector:
            matchLabels:
              {{- include "scim-gateway.selectorLabels" . | nindent 14 }}
      {{- end }}
{{- end }}

{{/* Trial mode: the embedded store's files, kept across pod restarts and upgrades. */}}
{{- define "scim-gateway.workload.pvc" -}}
{{- $p := .root.Values.persistence -}}
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: {{ include "scim-gateway.componentName" . }}-data
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "scim-gateway.labels" . | nindent 4 }}
  {{- if $p.keep }}
  annotations:
    # Not deleted by `helm uninstall`: the trial's data survives a reinstall of the same release.
    helm.sh/resource-policy: keep
  {{- end }}
spec:
  accessModes:
    - ReadWriteOnce
  {{- with $p.storageClassName }}
  storageClassName: {{ . | quote }}
  {{- end }}
  resources:
    requests:
      storage: {{ $p.size }}
{{- end }}

{{- define "scim-gateway.workload.pdb" -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "scim-gateway.componentName" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "scim-gateway.labels" . | nindent 4 }}
spec:
  {{- if not (empty .v.pdb.minAvailable) }}
  minAvailable: {{ .v.pdb.minAvailable }}
  {{- else if not (empty .v.pdb.maxUnavailable) }}
  maxUnavailable: {{ .v.pdb.maxUnavailable }}
  {{- else }}
  maxUnavailable: 1
  {{- end }}
  selector:
    matchLabels:
      {{- include "scim-gateway.selectorLabels" . | nindent 6 }}
{{- end }}

{{- define "scim-gateway.workload.hpa" -}}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "scim-gateway.componentName" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "scim-gateway.labels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "scim-gateway.componentName" . }}
  minReplicas: {{ .v.autoscaling.minReplicas }}
  maxReplicas: {{ .v.autoscaling.maxReplicas }}
  metrics:
    {{- with .v.autoscaling.targetCPUUtilizationPercentage }}
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ . }}
    {{- end }}
    {{- with .v.autoscaling.targetMemoryUtilizationPercentage }}
    - type: Resource
      resource:
        name: memory
        target:
          type: Utilization
          averageUtilization: {{ . }}
    {{- end }}
{{- end }}

{{/*
Ingress: the gateway's HTTP port from anywhere (or networkPolicy.gateway.from); a gRPC port only from the
workloads that call this one (the topology's peers); every metrics port only from the monitoring namespace.
*/}}
{{- define "scim-gateway.workload.networkPolicy" -}}
{{- $ctx := . -}}
{{- $np := .root.Values.networkPolicy -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "scim-gateway.componentName" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "scim-gateway.labels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "scim-gateway.selectorLabels" . | nindent 6 }}
  policyTypes:
    - Ingress
    {{- if $np.egress.enabled }}
    - Egress
    {{- end }}
  ingress:
    {{- if eq .topo.protocol "http" }}
    - ports:
        - port: {{ .v.port }}
          protocol: TCP
      {{- with $np.gateway.from }}
      from:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    {{- else }}
    {{- $callers := list }}
    {{- range $caller, $t := .topology }}
    {{- if has $ctx.name $t.peers }}{{ $callers = append $callers $caller }}{{ end }}
    {{- end }}
    {{- /* A rule without peers would admit everyone: no callers, no rule. */}}
    {{- if $callers }}
    - ports:
        - port: {{ .v.grpcPort }}
          protocol: TCP
      from:
        {{- range $callers }}
        - podSelector:
            matchLabels:
              {{- include "scim-gateway.selectorLabels" (dict "root" $ctx.root "name" .) | nindent 14 }}
        {{- end }}
    {{- end }}
    {{- end }}
    - ports:
        - port: {{ .v.metricsPort }}
          protocol: TCP
      from:
        - namespaceSelector:
            {{- toYaml $np.metrics.namespaceSelector | nindent 12 }}
          {{- with $np.metrics.podSelector }}
          podSelector:
            {{- toYaml . | nindent 12 }}
          {{- end }}
  {{- if $np.egress.enabled }}
  egress:
    - ports:
        - port: 53
          protocol: UDP
        - port: 53
          protocol: TCP
      to:
        - namespaceSelector:
            {{- toYaml $np.egress.dns.namespaceSelector | nindent 12 }}
          {{- with $np.egress.dns.podSelector }}
          podSelector:
            {{- toYaml . | nindent 12 }}
          {{- end }}
    {{- range .topo.peers }}
    - ports:
        - port: {{ (index $ctx.root.Values .).grpcPort }}
          protocol: TCP
      to:
        - podSelector:
            matchLabels:
              {{- include "scim-gateway.selectorLabels" (dict "root" $ctx.root "name" .) | nindent 14 }}
    {{- end }}
    {{- with $np.egress.extraRules }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- end }}
{{- end }}
