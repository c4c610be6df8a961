@echo off
rem Shell completion for "kubectl ck8sargo <TAB>" (kubectl 1.26 and later): see kubectl_complete-ck8sargo.
kubectl-ck8sargo.exe __complete %*
