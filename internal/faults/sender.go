package faults

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboardhq/switchboard/internal/fixture"
)

// Secret is the Stripe webhook secret the servers accept.
const Secret = "whsec_faults_0123456789abcdefghijklmnop"

// Sender delivers events to the webhook the way Stripe does: signed at send
// time, several at once, and again after a 5xx or no answer (with a growing
// wait, until the context ends). Every try's answer is recorded.
type Sender struct {
	URL         string // the server's base URL
	Concurrency int
	// Rate caps deliveries started per second; 0 means as fast as answers come.
	Rate float64
	// Timeout is how long one try waits for an answer (30 s when zero).
	Timeout time.Duration

	client   *http.Client
	once     sync.Once
	finished atomic.Int64
	mu       sync.Mutex
	answers  []Answer
}

// Answer is one try of one delivery. Status 0 means no answer (Err says why).
type Answer struct {
	EventID string
	Try     int
	Start   time.Time
	Latency time.Duration
	Status  int
	Err     string
	// RetryAfter is the answer's Retry-After header.
	RetryAfter string
}

func (s *Sender) init() {
	s.once.Do(func() {
		s.client = &http.Client{
			Timeout:   cmpOr(s.Timeout, 30*time.Second),
			Transport: &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 30 * time.Second},
		}
	})
}

func cmpOr(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// Send delivers every delivery and returns the event IDs of those never
// acknowledged before ctx ended.
func (s *Sender) Send(ctx context.Context, ds []Delivery) []string {
	s.init()
	work := make(chan Delivery)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var undelivered []string
	for range max(s.Concurrency, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range work {
				if !s.Deliver(ctx, d) {
					mu.Lock()
					undelivered = append(undelivered, d.EventID)
					mu.Unlock()
				}
				s.finished.Add(1)
			}
		}()
	}
	var tick *time.Ticker
	if s.Rate > 0 {
		tick = time.NewTicker(time.Duration(float64(time.Second) / s.Rate))
		defer tick.Stop()
	}
feed:
	for _, d := range ds {
		if tick != nil {
			select {
			case <-tick.C:
			case <-ctx.Done():
				break feed
			}
		}
		select {
		case work <- d:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	return undelivered
}

// Finished is how many deliveries are done (acknowledged, refused or given up).
func (s *Sender) Finished() int { return int(s.finished.Load()) }

// Deliver makes one delivery, retrying a 5xx or a missing answer, and reports
// whether it was acknowledged (2xx). A 4xx is final, as with Stripe.
func (s *Sender) Deliver(ctx context.Context, d Delivery) bool {
	s.init()
	wait := 200 * time.Millisecond
	for try := 1; ; try++ {
		a := s.Post(ctx, d, try)
		switch {
		case a.Status >= 200 && a.Status < 300:
			return true
		case a.Status >= 400 && a.Status < 500:
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(wait):
		}
		wait = min(wait*2, 2*time.Second)
	}
}

// Post makes one try and records its answer.
func (s *Sender) Post(ctx context.Context, d Delivery, try int) Answer {
	s.init()
	a := Answer{EventID: d.EventID, Try: try, Start: time.Now()}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/webhooks/stripe", bytes.NewReader(d.Body))
	if err != nil {
		a.Err = err.Error()
		return a
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Stripe-Signature", fixture.Sign(d.Body, Secret, time.Now()))
	resp, err := s.client.Do(req)
	a.Latency = time.Since(a.Start)
	if err != nil {
		a.Err = err.Error()
	} else {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		a.Status, a.RetryAfter = resp.StatusCode, resp.Header.Get("Retry-After")
	}
	s.mu.Lock()
	s.answers = append(s.answers, a)
	s.mu.Unlock()
	return a
}

// Answers is every try so far, in the order they started.
func (s *Sender) Answers() []Answer {
	s.mu.Lock()
	out := append([]Answer(nil), s.answers...)
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out
}

// Slowest is the answered try (one with a status) that took longest.
func (s *Sender) Slowest() Answer {
	var worst Answer
	for _, a := range s.Answers() {
		if a.Status != 0 && a.Latency > worst.Latency {
			worst = a
		}
	}
	return worst
}

// get fetches a URL with a timeout and returns the status and body.
func get(url string, timeout time.Duration) (int, string, error) {
	c := &http.Client{Timeout: timeout}
	resp, err := c.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	return resp.StatusCode, string(b), nil
}
