package mail

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"

	"github.com/switchboardhq/switchboard/store"
)

// Data is what a message template can show.
type Data struct {
	Name      string // the customer's name, or "there"
	OrderRef  string
	Amount    string // formatted, e.g. "42.00 USD"
	Refunded  string
	Status    string
	InvoiceID string
	// NextStep is the link for the action the message asks for (update the
	// card); empty when there is none.
	NextStep  string
	AlertText string
}

type tmpl struct {
	subject *texttemplate.Template
	text    *texttemplate.Template
	html    *htmltemplate.Template
}

// Each kind has a subject, a plain-text body and an HTML body. The HTML
// template escapes everything it is given.
var templates = map[string]tmpl{
	"order_confirmation": parse(
		`Your order{{if .OrderRef}} {{.OrderRef}}{{end}} is confirmed`,
		`Hi {{.Name}},

Thank you: we received your payment of {{.Amount}} for {{if .OrderRef}}order {{.OrderRef}}{{else}}your order{{end}}.
We will let you know when it is on its way.
`,
		`<p>Hi {{.Name}},</p>
<p>Thank you: we received your payment of <strong>{{.Amount}}</strong> for {{if .OrderRef}}order <strong>{{.OrderRef}}</strong>{{else}}your order{{end}}.</p>
<p>We will let you know when it is on its way.</p>`),
	"refund_notice": parse(
		`Refund for {{if .OrderRef}}order {{.OrderRef}}{{else}}your order{{end}}`,
		`Hi {{.Name}},

We refunded {{.Refunded}} of your {{.Amount}} payment for {{if .OrderRef}}order {{.OrderRef}}{{else}}your order{{end}}.
Refunds reach your card in 5 to 10 business days, depending on your bank.
`,
		`<p>Hi {{.Name}},</p>
<p>We refunded <strong>{{.Refunded}}</strong> of your {{.Amount}} payment for {{if .OrderRef}}order <strong>{{.OrderRef}}</strong>{{else}}your order{{end}}.</p>
<p>Refunds reach your card in 5 to 10 business days, depending on your bank.</p>`),
	"payment_failed": parse(
		`Your payment{{if .OrderRef}} for order {{.OrderRef}}{{end}} did not go through`,
		`Hi {{.Name}},

Your payment{{if .Amount}} of {{.Amount}}{{end}}{{if .OrderRef}} for order {{.OrderRef}}{{end}}{{if .InvoiceID}} for invoice {{.InvoiceID}}{{end}} was declined.

Next step: update your card{{if .NextStep}} at {{.NextStep}}{{end}}, and we will try again.
Nothing else changes until then.
`,
		`<p>Hi {{.Name}},</p>
<p>Your payment{{if .Amount}} of <strong>{{.Amount}}</strong>{{end}}{{if .OrderRef}} for order <strong>{{.OrderRef}}</strong>{{end}}{{if .InvoiceID}} for invoice {{.InvoiceID}}{{end}} was declined.</p>
<p><strong>Next step:</strong> {{if .NextStep}}<a href="{{.NextStep}}">update your card</a>{{else}}update your card{{end}}, and we will try again. Nothing else changes until then.</p>`),
	"alert": parse(
		`[Switchboard] {{.Status}}`,
		`{{.AlertText}}
`,
		`<p>{{.AlertText}}</p>`),
}

func parse(subject, text, html string) tmpl {
	return tmpl{
		subject: texttemplate.Must(texttemplate.New("subject").Parse(subject)),
		text:    texttemplate.Must(texttemplate.New("text").Parse(text)),
		html:    htmltemplate.Must(htmltemplate.New("html").Parse(html)),
	}
}

// Render renders a message kind into its subject, text and HTML bodies.
func Render(kind string, d Data) (subject, text, html string, err error) {
	t, ok := templates[kind]
	if !ok {
		return "", "", "", fmt.Errorf("no template for message kind %q", kind)
	}
	if d.Name == "" {
		d.Name = "there"
	}
	var sb, tb, hb bytes.Buffer
	if err := t.subject.Execute(&sb, d); err != nil {
		return "", "", "", fmt.Errorf("render %s subject: %w", kind, err)
	}
	if err := t.text.Execute(&tb, d); err != nil {
		return "", "", "", fmt.Errorf("render %s text: %w", kind, err)
	}
	if err := t.html.Execute(&hb, d); err != nil {
		return "", "", "", fmt.Errorf("render %s html: %w", kind, err)
	}
	// A header cannot hold a line break.
	subject = strings.Join(strings.Fields(sb.String()), " ")
	return subject, tb.String(), hb.String(), nil
}

// Money formats an amount in a currency's minor units, as Stripe sends it
// (store.Money: the console shows the same).
func Money(minor int64, currency string) string { return store.Money(minor, currency) }

// TextHTML is the HTML alternative of a plain-text message: every paragraph
// escaped, line breaks kept.
func TextHTML(text string) string {
	var b strings.Builder
	for _, p := range strings.Split(strings.ReplaceAll(strings.TrimSpace(text), "\r\n", "\n"), "\n\n") {
		if strings.TrimSpace(p) == "" {
			continue
		}
		b.WriteString("<p>")
		b.WriteString(strings.ReplaceAll(htmltemplate.HTMLEscapeString(p), "\n", "<br>\n"))
		b.WriteString("</p>\n")
	}
	return b.String()
}
