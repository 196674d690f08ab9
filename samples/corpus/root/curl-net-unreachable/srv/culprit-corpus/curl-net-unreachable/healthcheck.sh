#!/bin/sh
# health check of the backend
curl -sS --max-time 5 -o /dev/null http://10.77.0.5:8080/health
