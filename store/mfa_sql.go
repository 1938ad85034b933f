package store

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"
)

// totpSecretKey names the server secret that encrypts TOTP secrets at rest.
const totpSecretKey = "totp_key"

// TOTP is a user's TOTP factor: the secret (decrypted), whether a code
// confirmed it, and the last time step used.
type TOTP struct {
	Secret    string
	Confirmed bool
	LastStep  int64
}

func (s *Store) totpAEAD(ctx context.Context) (cipher.AEAD, error) {
	key, err := s.serverSecret(ctx, totpSecretKey)
	if err != nil {
		return nil, err
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("totp key: %w", err)
	}
	return cipher.NewGCM(b)
}

// StartTOTP keeps a new, unconfirmed TOTP secret for a user, in place of an
// unconfirmed one; a confirmed factor is left alone (ErrConflict).
func (s *Store) StartTOTP(ctx context.Context, userID int64, secret string) error {
	aead, err := s.totpAEAD(ctx)
	if err != nil {
		return err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return err
	}
	enc := aead.Seal(nonce, nonce, []byte(secret), fmt.Appendf(nil, "user:%d", userID))
	tag, err := s.db.Exec(ctx, `INSERT INTO user_totp (user_id, secret_enc) VALUES ($1, $2)
		ON CONFLICT (user_id) DO UPDATE SET secret_enc = EXCLUDED.secret_enc, last_step = 0, created_at = now()
		WHERE user_totp.confirmed_at IS NULL`, userID, enc)
	if err != nil {
		return mapErr("start totp", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrConflict
	}
	return nil
}

// UserTOTP returns a user's TOTP factor, confirmed or not (ErrNotFound: none).
func (s *Store) UserTOTP(ctx context.Context, userID int64) (TOTP, error) {
	var enc []byte
	var t TOTP
	var confirmed *time.Time
	err := s.db.QueryRow(ctx, `SELECT secret_enc, confirmed_at, last_step FROM user_totp WHERE user_id = $1`, userID).
		Scan(&enc, &confirmed, &t.LastStep)
	if err != nil {
		return t, mapErr("user totp", err)
	}
	aead, err := s.totpAEAD(ctx)
	if err != nil {
		return t, err
	}
	n := aead.NonceSize()
	if len(enc) < n {
		return t, errors.New("user totp: stored secret too short")
	}
	plain, err := aead.Open(nil, enc[:n], enc[n:], fmt.Appendf(nil, "user:%d", userID))
	if err != nil {
		return t, fmt.Errorf("user totp: %w", err)
	}
	t.Secret, t.Confirmed = string(plain), confirmed != nil
	return t, nil
}

// HasSecondFactor reports whether a user has a confirmed second factor.
func (s *Store) HasSecondFactor(ctx context.Context, userID int64) (bool, error) {
	var ok bool
	err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM user_totp WHERE user_id = $1 AND confirmed_at IS NOT NULL)`, userID).Scan(&ok)
	return ok, mapErr("has second factor", err)
}

// UseTOTPStep records that the code of time step step was used, and reports
// false when it (or a later one) already was: each code is used once, also
// when two requests carry it at the same moment.
func (s *Store) UseTOTPStep(ctx context.Context, userID, step int64) (bool, error) {
	tag, err := s.db.Exec(ctx, `UPDATE user_totp SET last_step = $2 WHERE user_id = $1 AND last_step < $2`, userID, step)
	if err != nil {
		return false, mapErr("use totp step", err)
	}
	return tag.RowsAffected() == 1, nil
}

// ConfirmTOTP makes a user's TOTP factor count, with step used, and replaces
// the user's recovery codes with codes (kept hashed). Audited.
func (s *Store) ConfirmTOTP(ctx context.Context, userID, step int64, actor string, codes []string) error {
	return s.InTx(ctx, func(tx *Store) error {
		tag, err := tx.db.Exec(ctx, `UPDATE user_totp SET confirmed_at = now(), last_step = $2
			WHERE user_id = $1 AND confirmed_at IS NULL AND last_step < $2`, userID, step)
		if err != nil {
			return mapErr("confirm totp", err)
		}
		if tag.RowsAffected() == 0 {
			return ErrConflict
		}
		if _, err := tx.db.Exec(ctx, `DELETE FROM user_recovery_codes WHERE user_id = $1`, userID); err != nil {
			return mapErr("replace recovery codes", err)
		}
		for _, c := range codes {
			h := sha256.Sum256([]byte(c))
			if _, err := tx.db.Exec(ctx, `INSERT INTO user_recovery_codes (user_id, code_hash) VALUES ($1, $2)`, userID, h[:]); err != nil {
				return mapErr("recovery code", err)
			}
		}
		return tx.Audit(ctx, actor, "user.mfa_enrol", fmt.Sprintf("user:%d", userID), map[string]any{"factor": "totp", "recovery_codes": len(codes)})
	})
}

// UseRecoveryCode spends one of a user's recovery codes, and reports false
// when code is none of the unused ones.
func (s *Store) UseRecoveryCode(ctx context.Context, userID int64, code string) (bool, error) {
	h := sha256.Sum256([]byte(code))
	tag, err := s.db.Exec(ctx, `UPDATE user_recovery_codes SET used_at = now()
		WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL`, userID, h[:])
	if err != nil {
		return false, mapErr("use recovery code", err)
	}
	return tag.RowsAffected() == 1, nil
}

// RecoveryCodesLeft counts a user's unused recovery codes.
func (s *Store) RecoveryCodesLeft(ctx context.Context, userID int64) (int, error) {
	var n int
	err := s.db.QueryRow(ctx, `SELECT count(*) FROM user_recovery_codes WHERE user_id = $1 AND used_at IS NULL`, userID).Scan(&n)
	return n, mapErr("recovery codes left", err)
}

// ResetMFA removes a user's second factors and recovery codes and ends every
// session of theirs (sessions_valid_after and their rows). Audited.
func (s *Store) ResetMFA(ctx context.Context, userID int64, actor string) error {
	return s.InTx(ctx, func(tx *Store) error {
		var factors, codes int64
		tag, err := tx.db.Exec(ctx, `DELETE FROM user_totp WHERE user_id = $1`, userID)
		if err != nil {
			return mapErr("reset mfa", err)
		}
		factors = tag.RowsAffected()
		if tag, err = tx.db.Exec(ctx, `DELETE FROM user_recovery_codes WHERE user_id = $1`, userID); err != nil {
			return mapErr("reset mfa codes", err)
		}
		codes = tag.RowsAffected()
		if tag, err = tx.db.Exec(ctx, `UPDATE users SET sessions_valid_after = now(), updated_at = now() WHERE id = $1`, userID); err != nil {
			return mapErr("reset mfa sessions", err)
		} else if tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		if _, err := tx.db.Exec(ctx, `DELETE FROM user_sessions WHERE user_id = $1`, userID); err != nil {
			return mapErr("reset mfa sessions", err)
		}
		return tx.Audit(ctx, actor, "user.mfa_reset", fmt.Sprintf("user:%d", userID),
			map[string]any{"factors_removed": factors, "recovery_codes_removed": codes})
	})
}
