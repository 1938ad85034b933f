package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/switchboardhq/switchboard/jobs/mail"
	"github.com/switchboardhq/switchboard/store"
)

// AlertChannels are where alerts go besides the console.
type AlertChannels struct {
	SlackURL string // ALERT_SLACK_WEBHOOK_URL: a Slack incoming webhook
	Email    string // ALERT_EMAIL
}

// Alert delivery channels.
const (
	ChannelSlack = "slack"
	ChannelEmail = "email"
)

// QueueAlerts is the queue alert deliveries run on, apart from the work they
// report on, so a slow channel never holds up a CRM sync or an email.
const QueueAlerts = "alerts"

// Raise records one occurrence of a problem in tx and, when the problem is new
// (or back after being resolved), enqueues its delivery to each channel.
func (d *Dispatcher) Raise(ctx context.Context, tx *store.Store, a store.NewAlert) error {
	r, err := tx.RaiseAlert(ctx, a)
	if err != nil || !r.Notify {
		return err
	}
	for _, ch := range d.alerts.channels() {
		if _, err := d.jobs.InsertTx(ctx, tx.Tx(), AlertDeliverArgs{AlertID: r.Alert.ID, Channel: ch, Seen: r.Alert.Count}, nil); err != nil {
			return fmt.Errorf("enqueue alert delivery: %w", err)
		}
	}
	return nil
}

// RaiseNow raises an alert in its own transaction (from a worker).
func (d *Dispatcher) RaiseNow(ctx context.Context, st *store.Store, a store.NewAlert) error {
	return st.InTx(ctx, func(tx *store.Store) error { return d.Raise(ctx, tx, a) })
}

func (c AlertChannels) channels() []string {
	var out []string
	if c.SlackURL != "" {
		out = append(out, ChannelSlack)
	}
	if c.Email != "" {
		out = append(out, ChannelEmail)
	}
	return out
}

// AlertDeliverArgs sends one alert to one channel.
type AlertDeliverArgs struct {
	AlertID int64  `json:"alert_id"`
	Channel string `json:"channel"`
	// Seen is the alert's count when it was raised: a problem that comes
	// back while the last delivery is still running gets its own delivery.
	Seen int64 `json:"seen"`
}

// Kind is the stable job kind.
func (AlertDeliverArgs) Kind() string { return "alert_deliver" }

// InsertOpts: few attempts (an alert that arrives a day late is noise), and one
// pending delivery per alert, channel and occurrence.
func (AlertDeliverArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueAlerts, MaxAttempts: 5, UniqueOpts: river.UniqueOpts{
		ByArgs: true, ByState: pendingStates,
	}}
}

// pendingStates are the job states in which a unique job counts as pending.
var pendingStates = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
	rivertype.JobStateRetryable, rivertype.JobStateScheduled,
}

// AlertDeliverWorker sends an alert to Slack or by email. A failed delivery is
// recorded on the alert (the console shows the broken channel) and retried a
// few times; it never raises another alert, so a channel that is down cannot
// make alerts about itself in a loop.
type AlertDeliverWorker struct {
	river.WorkerDefaults[AlertDeliverArgs]
	Store    *store.Store
	Logger   *slog.Logger
	Channels AlertChannels
	Mail     mail.Sender // nil: the email goes to the outbox
	HTTP     *http.Client
	BaseURL  string
}

// Timeout bounds one delivery.
func (w *AlertDeliverWorker) Timeout(*river.Job[AlertDeliverArgs]) time.Duration {
	return alertTimeout
}

// Work delivers the alert as it is now (count and message reloaded).
func (w *AlertDeliverWorker) Work(ctx context.Context, job *river.Job[AlertDeliverArgs]) error {
	a, err := w.Store.AlertByID(ctx, job.Args.AlertID)
	if errors.Is(err, store.ErrNotFound) {
		return river.JobCancel(err)
	} else if err != nil {
		return err
	}
	if a.AcknowledgedAt != nil || a.ResolvedAt != nil {
		return nil // someone is on it, or it is over: no need to page
	}
	text := fmt.Sprintf("[%s] %s (%s): %s", strings.ToUpper(a.Severity), a.Kind, a.Subject, a.Message)
	if a.Count > 1 {
		text += fmt.Sprintf(" (seen %d times since %s)", a.Count, a.FirstSeenAt.UTC().Format(time.RFC3339))
	}
	if w.BaseURL != "" {
		text += "\n" + strings.TrimRight(w.BaseURL, "/") + "/alerts"
	}
	switch job.Args.Channel {
	case ChannelSlack:
		err = w.slack(ctx, text)
	case ChannelEmail:
		err = w.email(ctx, a, text)
	default:
		return river.JobCancel(fmt.Errorf("unknown alert channel %q", job.Args.Channel))
	}
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	if rerr := w.Store.AlertDelivered(context.WithoutCancel(ctx), a.ID, job.Args.Channel, msg); rerr != nil {
		w.Logger.WarnContext(ctx, "recording alert delivery", "alert_id", a.ID, "err", rerr)
	}
	var perm permanentDelivery
	if errors.As(err, &perm) {
		w.Logger.ErrorContext(ctx, "alert channel refuses deliveries", "channel", job.Args.Channel, "err", err)
		return river.JobCancel(err)
	}
	return err
}

// permanentDelivery is a channel answer that retrying cannot change (a
// revoked Slack webhook).
type permanentDelivery struct{ error }

// slack posts to an incoming webhook: 200 "ok" is success; 429 waits for
// Retry-After; 403/404/410 (invalid_token, no_service, channel_is_archived)
// are permanent.
func (w *AlertDeliverWorker) slack(ctx context.Context, text string) error {
	b, _ := json.Marshal(map[string]string{"text": text})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.Channels.SlackURL, bytes.NewReader(b))
	if err != nil {
		return permanentDelivery{errors.New("ALERT_SLACK_WEBHOOK_URL is not a usable URL")}
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := w.HTTP.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is the secret: keep it out of the message
		}
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	answer := strings.TrimSpace(string(body))
	switch {
	case resp.StatusCode == http.StatusOK:
		return nil
	case resp.StatusCode == http.StatusTooManyRequests:
		return river.JobSnooze(min(retryAfterSeconds(resp.Header.Get("Retry-After")), 10*time.Minute))
	case resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		return permanentDelivery{fmt.Errorf("%d %s", resp.StatusCode, answer)}
	}
	return fmt.Errorf("%d %s", resp.StatusCode, answer)
}

// email sends the alert to ALERT_EMAIL, or keeps it in the outbox without SMTP.
func (w *AlertDeliverWorker) email(ctx context.Context, a store.Alert, text string) error {
	subject, body, html, err := mail.Render("alert", mail.Data{Status: a.Kind + " " + a.Subject, AlertText: text})
	if err != nil {
		return permanentDelivery{err}
	}
	key := fmt.Sprintf("alert:%d:%d", a.ID, a.Count)
	if w.Mail == nil {
		id, _, err := w.Store.QueueMessage(ctx, store.NewMessage{Key: key, Kind: store.MsgAlert, To: w.Channels.Email})
		if err != nil {
			return err
		}
		return w.Store.MessageDelivered(ctx, id, store.MsgOutbox, store.RenderedMessage{Subject: subject, TextBody: body, HTMLBody: html})
	}
	return w.Mail.Send(ctx, mail.Message{To: w.Channels.Email, Subject: subject, Text: body, HTML: html,
		MessageID: MessageID(key)})
}

func retryAfterSeconds(v string) time.Duration {
	var n int
	if _, err := fmt.Sscanf(strings.TrimSpace(v), "%d", &n); err != nil || n <= 0 {
		return 30 * time.Second
	}
	return time.Duration(n) * time.Second
}
