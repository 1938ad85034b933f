package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/alexedwards/scs/v2"
)

// hashedStore keeps sessions under the SHA-256 of their token, so a reader of
// the sessions table (or a backup) cannot take a session over: the cookie's
// token is 256 random bits, so a plain hash is enough.
type hashedStore struct{ next scs.CtxStore }

var _ scs.CtxStore = hashedStore{}

func hashSessionToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

func (s hashedStore) Find(token string) ([]byte, bool, error) {
	return s.next.Find(hashSessionToken(token))
}

func (s hashedStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.next.Commit(hashSessionToken(token), b, expiry)
}

func (s hashedStore) Delete(token string) error { return s.next.Delete(hashSessionToken(token)) }

func (s hashedStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	return s.next.FindCtx(ctx, hashSessionToken(token))
}

func (s hashedStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	return s.next.CommitCtx(ctx, hashSessionToken(token), b, expiry)
}

func (s hashedStore) DeleteCtx(ctx context.Context, token string) error {
	return s.next.DeleteCtx(ctx, hashSessionToken(token))
}
