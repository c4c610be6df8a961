#!/bin/sh
set -eu
export GITHUB_TOKEN=ghp_ck8sargoFAKE1a2b3c4d5e6f7g8h9i0jKLMN
kubectl apply -k overlays/prod
