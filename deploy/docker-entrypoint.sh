#!/bin/sh
# The container's entry point. The gateway listens on all interfaces here (bind lan), so it needs a
# token that the operator knows: it comes from the platform as OPENCLAW_GATEWAY_TOKEN, and without one
# the gateway does not start. Other commands (openclaw status, health, …) run as given.
set -eu

# Platforms that choose the port (Render, Railway, Heroku-style) say so in PORT.
OPENCLAW_GATEWAY_PORT="${OPENCLAW_GATEWAY_PORT:-${PORT:-18789}}"
export OPENCLAW_GATEWAY_PORT

if [ "${1:-}" = "openclaw" ] && [ "${2:-}" = "gateway" ]; then
  case "${3:-}" in
    "" | run | -*)
      if [ -z "${OPENCLAW_GATEWAY_TOKEN:-}" ]; then
        echo "Error: OPENCLAW_GATEWAY_TOKEN is not set, and this container's gateway is reachable from the network." >&2
        echo "Set it to a long random secret, for example: docker run -e OPENCLAW_GATEWAY_TOKEN=\"\$(openssl rand -hex 32)\" …" >&2
        echo "(Compose: put it in .env; Fly.io: fly secrets set; Render and Railway: a secret variable.)" >&2
        exit 78
      fi
      ;;
  esac
fi
exec "$@"
