#!/bin/sh
# Rotates the DB password: reads it from Vault, never from the repository.
PASSWORD=$(vault kv get -field=password secret/shop/db)
kubectl ck8sargo secrets edit charts/shop/secrets.prod.yaml
