#!/usr/bin/env bash
# Installs the tools test/e2e/deploy.test.ts uses to check deploy/ offline, into .tools/ (idempotent):
#   kubeconform (Go module proxy) and the Kubernetes JSON schemas shipped by the kubernetes-validate
#   Python package, with PyYAML beside it. Run from anywhere: `bash deploy/tools.sh`.
# A missing Go or pip is reported and skipped: the deploy test then skips those checks and says so.
set -euo pipefail
cd "$(dirname "$0")/.."
KUBECONFORM_VERSION=v0.8.0
KUBERNETES_VALIDATE_VERSION=1.37.0

# `go install` builds report version "development", so a stamp file records which one is there.
STAMP=.tools/bin/.kubeconform-version
if [ -x .tools/bin/kubeconform ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$KUBECONFORM_VERSION" ]; then
  :
elif command -v go >/dev/null 2>&1; then
  echo "installing kubeconform ${KUBECONFORM_VERSION} into .tools/bin"
  GOBIN="$PWD/.tools/bin" go install "github.com/yannh/kubeconform/cmd/kubeconform@${KUBECONFORM_VERSION}"
  echo "$KUBECONFORM_VERSION" > "$STAMP"
else
  echo "deploy/tools.sh: go not found; the Kubernetes manifest check will be skipped" >&2
fi

if [ -f ".tools/python/kubernetes_validate-${KUBERNETES_VALIDATE_VERSION}.dist-info/METADATA" ]; then
  :
elif python3 -m pip --version >/dev/null 2>&1; then
  echo "installing kubernetes-validate ${KUBERNETES_VALIDATE_VERSION} (Kubernetes JSON schemas) into .tools/python"
  # A --target install touches nothing of the system's, so pip's warning about running as root is noise
  # (a variable, not --root-user-action, which pip before 22.1 refuses).
  PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check --target .tools/python \
    "kubernetes-validate==${KUBERNETES_VALIDATE_VERSION}"
else
  echo "deploy/tools.sh: pip not found; the Kubernetes and compose YAML checks may be skipped" >&2
fi
