package web

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/switchboardhq/switchboard/store"
)

// apiOp documents one /api/v1 route: the OpenAPI description is built from
// this table and the Go types the handlers read and write, so a field added
// to a type appears in it by itself; a test checks that every /api/v1 route
// of the route table is here and that real answers match (openapi_test.go).
type apiOp struct {
	pattern string // as in the route table: "GET /api/v1/accounts/{id}"
	summary string
	scope   string // the token scope the route needs ("" for none)
	query   []apiParam
	// request and response are values of the types read and written; status
	// is the success status.
	request  any
	response any
	status   int
	// alsoOK is another success status (a signup that already existed: 200).
	alsoOK int
	// errors are the error statuses the route may answer besides 401/403/429/5xx.
	errors []int
}

// apiParam is one query parameter.
type apiParam struct{ name, desc string }

// signupRequest is POST /api/v1/signups' body.
type signupRequest struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	PlanTier string `json:"plan_tier,omitempty"`
}

// ticketRequest is POST /api/v1/tickets' body.
type ticketRequest struct {
	Email   string `json:"email"`
	Subject string `json:"subject"`
	Body    string `json:"body"`
	Channel string `json:"channel,omitempty"`
}

// apiErrorBody is every error's body: the message and a stable machine code.
type apiErrorBody struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

var apiOps = []apiOp{
	{pattern: "GET /api/v1/openapi.json", summary: "This description (no token needed).", response: map[string]any{}, status: 200},
	{pattern: "POST /api/v1/signups", summary: "Create the account for a signup, or return the one with this email (201 when created, 200 when it existed).",
		scope: store.ScopeSignupsWrite, request: signupRequest{}, response: store.Account{}, status: 201, alsoOK: 200, errors: []int{400, 413, 415, 422}},
	{pattern: "GET /api/v1/accounts", summary: "The account with an email, a Stripe customer or a Connect account.", scope: store.ScopeRead,
		query:    []apiParam{{"email", "the account's email"}, {"stripe_customer_id", "cus_…"}, {"stripe_account_id", "acct_…"}},
		response: store.Account{}, status: 200, errors: []int{400, 404}},
	{pattern: "GET /api/v1/accounts/{id}", summary: "One account by our ID.", scope: store.ScopeRead, response: store.Account{}, status: 200, errors: []int{404}},
	{pattern: "GET /api/v1/orders", summary: "An account's orders (newest 500), or the order of a PaymentIntent.", scope: store.ScopeRead,
		query:    []apiParam{{"account_id", "our account ID (buyer or seller)"}, {"payment_intent", "pi_…"}, {"checkout_session", "cs_…"}},
		response: []store.Order{}, status: 200, errors: []int{400}},
	{pattern: "GET /api/v1/checkout-sessions/{id}", summary: "Where a Checkout session stands (pending, paid, failed, expired or unknown) and its order, for the success page: poll it until it is not pending.",
		scope: store.ScopeRead, response: store.CheckoutSession{}, status: 200, errors: []int{404}},
	{pattern: "GET /api/v1/disputes", summary: "Disputes, by Stripe status (newest 500).", scope: store.ScopeRead,
		query: []apiParam{{"status", "Stripe's dispute status, e.g. needs_response"}}, response: []store.Dispute{}, status: 200},
	{pattern: "GET /api/v1/events/{id}", summary: "Where a Stripe event stands in the ledger.", scope: store.ScopeRead,
		response: store.Event{}, status: 200, errors: []int{404}},
	{pattern: "POST /api/v1/tickets", summary: "Open a support ticket (the marketplace's contact form); the body is stored with secrets redacted.",
		scope: store.ScopeTicketsWrite, request: ticketRequest{}, response: store.Ticket{}, status: 201, errors: []int{400, 413, 415, 422}},
	{pattern: "GET /api/v1/tickets", summary: "Tickets, newest first.", scope: store.ScopeRead,
		query: []apiParam{{"queue", "billing, disputes, sellers or general"}, {"status", "open, pending, solved or closed"},
			{"before", "a ticket ID: the page below it"}, {"limit", "1 to 500"}},
		response: []store.Ticket{}, status: 200, errors: []int{400}},
	{pattern: "GET /api/v1/search", summary: "Find anything by a Stripe ID (evt_, cus_, acct_, pi_, ch_, cs_, re_, dp_, po_, in_, sub_, or any ID an event was about), an ORD-… reference, #ticket, an email or part of a name.",
		scope: store.ScopeRead, query: []apiParam{{"q", "what to find (at most 200 characters)"}}, response: []searchHit{}, status: 200, errors: []int{422}},
	{pattern: "GET /api/v1/alerts", summary: "Open alerts (all of them with all=1), most recently seen first.", scope: store.ScopeRead,
		query: []apiParam{{"all", "1 to include resolved alerts"}}, response: []store.Alert{}, status: 200},
}

// errorCodes are the machine codes of error bodies, by status.
var errorCodes = map[int]string{
	http.StatusBadRequest: "bad_request", http.StatusUnauthorized: "unauthorized", http.StatusForbidden: "forbidden",
	http.StatusNotFound: "not_found", http.StatusConflict: "conflict", http.StatusRequestEntityTooLarge: "too_large",
	http.StatusUnsupportedMediaType: "unsupported_media_type", http.StatusUnprocessableEntity: "invalid",
	http.StatusTooManyRequests: "rate_limited", http.StatusInternalServerError: "internal", http.StatusServiceUnavailable: "unavailable",
}

// errorCode is the machine code for an error status.
func errorCode(status int) string {
	if c, ok := errorCodes[status]; ok {
		return c
	}
	return "error"
}

// openAPIDoc is the description, built once.
var openAPIDoc = sync.OnceValue(func() []byte {
	b, err := json.MarshalIndent(buildOpenAPI(), "", "  ")
	if err != nil {
		panic("openapi: " + err.Error()) // the table is static: a test builds it
	}
	return b
})

// openAPI handles GET /api/v1/openapi.json.
func (s *Server) openAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(openAPIDoc())
}

var pathParamRE = regexp.MustCompile(`\{([a-z_]+)\}`)

// buildOpenAPI makes the OpenAPI 3.1 document from apiOps.
func buildOpenAPI() map[string]any {
	g := schemaGen{components: map[string]any{}}
	paths := map[string]map[string]any{}
	for _, op := range apiOps {
		method, path, _ := strings.Cut(op.pattern, " ")
		var params []any
		for _, m := range pathParamRE.FindAllStringSubmatch(path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		for _, q := range op.query {
			params = append(params, map[string]any{"name": q.name, "in": "query", "description": q.desc, "schema": map[string]any{"type": "string"}})
		}
		responses := map[string]any{}
		ok := map[string]any{"description": "OK", "content": map[string]any{"application/json": map[string]any{"schema": g.of(reflect.TypeOf(op.response))}}}
		responses[strconv.Itoa(op.status)] = ok
		if op.alsoOK != 0 {
			responses[strconv.Itoa(op.alsoOK)] = ok
		}
		errs := op.errors
		if op.scope != "" {
			errs = append(errs, http.StatusUnauthorized, http.StatusForbidden, http.StatusTooManyRequests, http.StatusServiceUnavailable)
		}
		errs = append(errs, http.StatusInternalServerError)
		for _, st := range errs {
			responses[strconv.Itoa(st)] = map[string]any{"description": http.StatusText(st), "content": map[string]any{
				"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}}
		}
		o := map[string]any{"summary": op.summary, "operationId": operationID(method, path), "responses": responses}
		if len(params) > 0 {
			o["parameters"] = params
		}
		if op.scope != "" {
			o["security"] = []any{map[string]any{"bearer": []string{op.scope}}}
			o["description"] = "Needs an API token with the " + op.scope + " scope (switchboard token create --scope " + op.scope + ")."
		} else {
			o["security"] = []any{}
		}
		if op.request != nil {
			o["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": g.of(reflect.TypeOf(op.request))}}}
		}
		if paths[path] == nil {
			paths[path] = map[string]any{}
		}
		paths[path][strings.ToLower(method)] = o
	}
	g.components["Error"] = g.of(reflect.TypeOf(apiErrorBody{}))
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "Switchboard API", "version": "1",
			"description": "JSON for the marketplace app and scripts. Every error is {\"error\": message, \"code\": machine code}."},
		"servers": []any{map[string]any{"url": "/"}},
		"paths":   paths,
		"components": map[string]any{
			"schemas":         g.components,
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer", "description": "An API token from switchboard token create."}},
		},
	}
}

// operationID names an operation: "get_api_v1_accounts_id".
func operationID(method, path string) string {
	r := strings.NewReplacer("/", "_", "{", "", "}", "", ".", "_", "-", "_")
	return strings.ToLower(method) + strings.TrimRight(r.Replace(path), "_")
}

// schemaGen turns Go types into JSON Schema as encoding/json writes them;
// named structs become components.
type schemaGen struct{ components map[string]any }

var timeType = reflect.TypeOf(time.Time{})

func (g schemaGen) of(t reflect.Type) map[string]any {
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t.Kind() == reflect.Pointer:
		inner := g.of(t.Elem())
		if ty, ok := inner["type"].(string); ok {
			c := map[string]any{}
			for k, v := range inner {
				c[k] = v
			}
			c["type"] = []string{ty, "null"}
			return c
		}
		return map[string]any{"anyOf": []any{inner, map[string]any{"type": "null"}}}
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": g.of(t.Elem())}
	case reflect.Map, reflect.Interface:
		return map[string]any{"type": "object"}
	case reflect.Struct:
		name := t.Name()
		if _, done := g.components[name]; !done {
			g.components[name] = nil // a placeholder against recursion
			props, required := map[string]any{}, []string{}
			g.fields(t, props, &required)
			g.components[name] = map[string]any{"type": "object", "properties": props, "required": required, "additionalProperties": false}
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	return map[string]any{}
}

// fields adds a struct's JSON fields (embedded structs flattened, as
// encoding/json does).
func (g schemaGen) fields(t reflect.Type, props map[string]any, required *[]string) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			g.fields(f.Type, props, required)
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = g.of(f.Type)
		if !strings.Contains(opts, "omitempty") {
			*required = append(*required, name)
		}
	}
}
