// Package logx builds Switchboard's logger: JSON in production, text elsewhere,
// with every string attribute and message passed through store.Redact so that
// secrets never reach a log line.
package logx

import (
	"context"
	"io"
	"log/slog"

	"github.com/switchboardhq/switchboard/store"
)

// New returns the process logger.
func New(w io.Writer, production bool, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: replace}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if production {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(redacting{h})
}

func replace(_ []string, a slog.Attr) slog.Attr {
	switch a.Value.Kind() {
	case slog.KindString:
		a.Value = slog.StringValue(store.Redact(a.Value.String()))
	case slog.KindAny:
		if err, ok := a.Value.Any().(error); ok {
			a.Value = slog.StringValue(store.Redact(err.Error()))
		}
	}
	return a
}

// redacting also redacts the message itself.
type redacting struct{ slog.Handler }

func (h redacting) Handle(ctx context.Context, r slog.Record) error {
	r2 := slog.NewRecord(r.Time, r.Level, store.Redact(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool { r2.AddAttrs(a); return true })
	return h.Handler.Handle(ctx, r2)
}

func (h redacting) WithAttrs(as []slog.Attr) slog.Handler { return redacting{h.Handler.WithAttrs(as)} }
func (h redacting) WithGroup(name string) slog.Handler    { return redacting{h.Handler.WithGroup(name)} }
