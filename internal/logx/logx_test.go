package logx

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestSecretsNeverReachTheLog(t *testing.T) {
	t.Parallel()
	for _, production := range []bool{false, true} {
		var buf bytes.Buffer
		log := New(&buf, production, slog.LevelInfo)
		log.Info("using key sk_live_51HxAbCdEfGh1234567890", "secret", "whsec_abc123DEF456ghi789",
			"err", errors.New("bad token sbt_abcdefghijklmnopqrstuvwxyz012345"))
		log.With("dsn", "postgres://u:hunter2@db/x").Warn("connect")
		out := buf.String()
		for _, s := range []string{"sk_live_51HxAbCdEfGh1234567890", "whsec_abc123DEF456ghi789", "sbt_abcdefghijklmnopqrstuvwxyz012345", "hunter2"} {
			if strings.Contains(out, s) {
				t.Errorf("production=%v: log contains %q:\n%s", production, s, out)
			}
		}
		if !strings.Contains(out, "[redacted]") || !strings.Contains(out, "connect") {
			t.Errorf("production=%v: log lost its lines:\n%s", production, out)
		}
	}
}
