package crm

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/switchboardhq/switchboard/store"
)

// PropertyGroup is the HubSpot contact property group that holds Switchboard's
// properties.
const PropertyGroup = "switchboard"

// Property is a HubSpot contact property definition.
type Property struct {
	Name      string   `json:"name"`
	Label     string   `json:"label"`
	Type      string   `json:"type"`
	FieldType string   `json:"fieldType"`
	GroupName string   `json:"groupName"`
	Options   []Option `json:"options,omitempty"`
	// Description is shown in HubSpot's property settings.
	Description string `json:"description,omitempty"`
}

// Option is one value of an enumeration property.
type Option struct {
	Label        string `json:"label"`
	Value        string `json:"value"`
	DisplayOrder int    `json:"displayOrder"`
}

// Properties are the custom contact properties Switchboard writes. The account
// ID and the plan tier are single-line text: the ID is an identifier matched
// exactly (a number property would be summed in reports and shown as
// "1,234"), and plan tiers come from Stripe metadata, lookup keys or price
// nicknames, an open set. Payment state and role are dropdown enumerations:
// their values are a closed set of ours, so HubSpot's filters, lists and
// reports offer them by name and HubSpot refuses a value outside the set.
var Properties = []Property{
	{Name: PropAccountID, Label: "Switchboard account ID", Type: "string", FieldType: "text",
		Description: "Switchboard's ID of the account (the canonical customer)."},
	{Name: PropPlanTier, Label: "Switchboard plan tier", Type: "string", FieldType: "text",
		Description: "The plan tier of the account's subscription, as Switchboard knows it."},
	{Name: PropPaymentState, Label: "Switchboard payment state", Type: "enumeration", FieldType: "select",
		Description: "The account's payment state, summarised by Switchboard from Stripe.",
		Options: options(store.PaymentNone, store.PaymentPending, store.PaymentActive, store.PaymentPastDue,
			store.PaymentRefunded, store.PaymentDisputed, store.PaymentCanceled)},
	{Name: PropRole, Label: "Switchboard role", Type: "enumeration", FieldType: "select",
		Description: "Whether the account buys or sells on the marketplace.",
		Options:     options(store.RoleBuyer, store.RoleSeller)},
}

func options(values ...string) []Option {
	out := make([]Option, len(values))
	for i, v := range values {
		label := strings.ToUpper(v[:1]) + strings.ReplaceAll(v[1:], "_", " ")
		out[i] = Option{Label: label, Value: v, DisplayOrder: i}
	}
	return out
}

// SetupStep is what setup did about the group or one property: "created",
// "found" or "updated" (options added to an enumeration).
type SetupStep struct {
	What   string // "group switchboard" or "property switchboard_role"
	Action string
	Detail string
}

func (s SetupStep) String() string {
	if s.Detail == "" {
		return s.What + ": " + s.Action
	}
	return s.What + ": " + s.Action + " (" + s.Detail + ")"
}

// Setup creates Switchboard's property group and contact properties in HubSpot
// where they are missing (idempotent: what exists is found and left alone,
// missing enumeration options are added). A property that exists with another
// type is a permanent (Rejected) error naming the property, the type found and
// the type wanted. It does not retry: 429s come back as RateLimited errors.
func (h *HubSpot) Setup(ctx context.Context) ([]SetupStep, error) {
	steps := []SetupStep{{What: "group " + PropertyGroup}}
	var groups struct {
		Results []struct{ Name string } `json:"results"`
	}
	if err := h.call(ctx, http.MethodGet, "/crm/v3/properties/contacts/groups", nil, &groups); err != nil {
		return nil, err
	}
	steps[0].Action = "found"
	if !slices.ContainsFunc(groups.Results, func(g struct{ Name string }) bool { return g.Name == PropertyGroup }) {
		err := h.call(ctx, http.MethodPost, "/crm/v3/properties/contacts/groups",
			map[string]any{"name": PropertyGroup, "label": "Switchboard", "displayOrder": -1}, nil)
		switch {
		case err == nil:
			steps[0].Action = "created"
		case statusOf(err) != http.StatusConflict: // 409: another instance made it
			return nil, err
		}
	}
	for _, want := range Properties {
		want.GroupName = PropertyGroup
		step, err := h.ensureProperty(ctx, want)
		if err != nil {
			return steps, err
		}
		steps = append(steps, step)
	}
	return steps, nil
}

// ensureProperty finds or creates one property and checks its type.
func (h *HubSpot) ensureProperty(ctx context.Context, want Property) (SetupStep, error) {
	step := SetupStep{What: "property " + want.Name, Detail: want.Type}
	path := "/crm/v3/properties/contacts/" + want.Name
	var got Property
	err := h.call(ctx, http.MethodGet, path, nil, &got)
	if statusOf(err) == http.StatusNotFound {
		err = h.call(ctx, http.MethodPost, "/crm/v3/properties/contacts", want, nil)
		if err == nil {
			step.Action = "created"
			return step, nil
		}
		if statusOf(err) != http.StatusConflict {
			return step, err
		}
		// Another instance created it in between: read what it made.
		err = h.call(ctx, http.MethodGet, path, nil, &got)
	}
	if err != nil {
		return step, err
	}
	if got.Type != want.Type {
		return step, &Error{Kind: Rejected, Msg: fmt.Sprintf(
			"hubspot contact property %s exists with type %q (field type %q), but Switchboard needs type %q (field type %q): "+
				"delete or rename it in HubSpot (Settings → Properties), then run switchboard crm setup",
			want.Name, got.Type, got.FieldType, want.Type, want.FieldType)}
	}
	step.Action = "found"
	if want.Type != "enumeration" {
		return step, nil
	}
	var missing []string
	opts := got.Options
	for _, o := range want.Options {
		if !slices.ContainsFunc(got.Options, func(g Option) bool { return g.Value == o.Value }) {
			missing = append(missing, o.Value)
			o.DisplayOrder = len(opts)
			opts = append(opts, o)
		}
	}
	if len(missing) == 0 {
		return step, nil
	}
	if err := h.call(ctx, http.MethodPatch, path, map[string]any{"options": opts}, nil); err != nil {
		return step, err
	}
	step.Action, step.Detail = "updated", "options added: "+strings.Join(missing, ", ")
	return step, nil
}

// statusOf is the HTTP status of a failed call, 0 for success or a network failure.
func statusOf(err error) int {
	if err == nil {
		return 0
	}
	return AsError(err).Status
}

// ensureSchema runs Setup once per process: the first Upsert waits for it,
// later ones skip it. A failed setup is tried again by the next Upsert.
func (h *HubSpot) ensureSchema(ctx context.Context) error {
	h.schemaMu.Lock()
	defer h.schemaMu.Unlock()
	if h.schemaReady {
		return nil
	}
	if _, err := h.Setup(ctx); err != nil {
		return err
	}
	h.schemaReady = true
	return nil
}

// forgetSchema makes the next ensureSchema run Setup again (a property was
// deleted in HubSpot since).
func (h *HubSpot) forgetSchema() {
	h.schemaMu.Lock()
	defer h.schemaMu.Unlock()
	h.schemaReady = false
}
