#!/usr/bin/env bash
# The seed's post-deployment smoke script, unchanged (its model configuration is made by the test).
set -euo pipefail

# 設定
STATE_DIR="${OPENCLAW_STATE_DIR:-$HOME/.openclaw}"
SESSIONS_DIR="$STATE_DIR/agents/default/sessions"
CONFIG_PATH="$STATE_DIR/openclaw.json"

echo "==> 1. ゲートウェイプローブ"
if ! openclaw gateway probe; then
  echo "ERROR: Gatewayに到達できません" >&2
  openclaw gateway status
  exit 1
fi

echo "==> 2. ヘルスチェック"
if ! openclaw health --json > /tmp/openclaw-health.json; then
  echo "ERROR: ヘルスチェックに失敗しました" >&2
  exit 1
fi

echo "==> 3. 設定検証"
if ! openclaw config get gateway.port > /dev/null; then
  echo "ERROR: 設定が読み取れません" >&2
  exit 1
fi

echo "==> 4. チャンネルステータス"
if ! openclaw channels status --probe --json > /tmp/openclaw-channels.json; then
  echo "ERROR: チャンネルステータスに失敗しました" >&2
  exit 1
fi

echo "==> 5. モデル認証"
if ! openclaw models status --json > /tmp/openclaw-models.json; then
  echo "ERROR: モデルステータスに失敗しました" >&2
  exit 1
fi

echo "==> 6. エージェント実行テスト"
RESULT=$(openclaw agent --message "Reply with: deployment test passed" --thinking off --json)
if ! echo "$RESULT" | jq -e '.result.payloads[0].text' > /dev/null; then
  echo "ERROR: エージェントがテキストペイロードを返しませんでした" >&2
  echo "$RESULT"
  exit 1
fi

echo "==> 7. セッション転送検証"
if [ ! -f "$SESSIONS_DIR/main.jsonl" ]; then
  echo "ERROR: メインセッション転送がありません" >&2
  exit 1
fi

# JSONL形式を検証
if ! tail -1 "$SESSIONS_DIR/main.jsonl" | jq -e '.role' > /dev/null; then
  echo "ERROR: セッション転送が有効なJSONLではありません" >&2
  exit 1
fi

echo "==> 8. ログファイル検証"
LOG_FILE="$STATE_DIR/openclaw-$(date +%Y-%m-%d).log"
if [ ! -f "$LOG_FILE" ]; then
  echo "WARNING: 日次ログファイルがありません: $LOG_FILE" >&2
fi

echo "==> すべてのチェックが合格しました ✓"
echo "デプロイが正常に検証されました"
