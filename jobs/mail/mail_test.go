package mail_test

import (
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/jobs/mail"
)

func TestMoney(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		minor    int64
		currency string
		want     string
	}{
		{4200, "usd", "42.00 USD"}, {5, "eur", "0.05 EUR"}, {1500, "jpy", "1500 JPY"}, {-250, "gbp", "-2.50 GBP"},
	} {
		if got := mail.Money(tt.minor, tt.currency); got != tt.want {
			t.Errorf("Money(%d, %s): got %q, want %q", tt.minor, tt.currency, got, tt.want)
		}
	}
}

func TestRenderEscapesHTMLAndKeepsSubjectOnOneLine(t *testing.T) {
	t.Parallel()
	subject, text, html, err := mail.Render("order_confirmation", mail.Data{Name: "<script>x</script>", OrderRef: "ord\r\nBcc: evil@example.com", Amount: "1.00 USD"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(subject, "\r\n") {
		t.Fatalf("subject has a line break: %q", subject)
	}
	if strings.Contains(html, "<script>") || !strings.Contains(html, "&lt;script&gt;") {
		t.Fatalf("html not escaped: %q", html)
	}
	if !strings.Contains(text, "Hi <script>x</script>,") {
		t.Fatalf("text: got %q", text)
	}
	if _, _, _, err := mail.Render("newsletter", mail.Data{}); err == nil {
		t.Fatal("an unknown kind rendered")
	}
}

func TestParseSMTP(t *testing.T) {
	t.Parallel()
	if _, err := mail.ParseSMTP("smtp://u:p@mail.example.com:587", "Shop <shop@example.com>"); err != nil {
		t.Fatalf("valid URL: %v", err)
	}
	for raw, from := range map[string]string{
		"mail.example.com":                 "a@example.com",
		"http://mail.example.com":          "a@example.com",
		"smtp://mail.example.com:port":     "a@example.com",
		"smtps://u:p@mail.example.com:465": "",
	} {
		if _, err := mail.ParseSMTP(raw, from); err == nil {
			t.Errorf("ParseSMTP(%q, %q): got no error", raw, from)
		} else if strings.Contains(err.Error(), ":p@") {
			t.Errorf("error shows the password: %v", err)
		}
	}
}

// TestNoInternalOrderNumber: without the marketplace's reference the mail
// says "your order", never our internal number.
func TestNoInternalOrderNumber(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"order_confirmation", "refund_notice"} {
		subject, text, html, err := mail.Render(kind, mail.Data{Name: "Ana", Amount: "1.00 USD", Refunded: "1.00 USD"})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{subject, text, html} {
			if strings.Contains(s, "#") || strings.Contains(s, "order .") || strings.Contains(s, "order  ") {
				t.Errorf("%s: got %q, want no order number", kind, s)
			}
		}
		if !strings.Contains(text, "your order") {
			t.Errorf("%s: got %q, want \"your order\"", kind, text)
		}
	}
}
