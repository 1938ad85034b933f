package doctor

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/switchboardhq/switchboard/store"
)

const checkHubSpot = "hubspot"

// hubSpotProperties are the custom contact properties the CRM sync writes
// (jobs/crm's Prop… constants).
var hubSpotProperties = []string{"switchboard_account_id", "switchboard_plan_tier", "switchboard_payment_state", "switchboard_role"}

// hubSpotCheck reads each custom property: the token is accepted, may read
// contact properties, and the properties exist. It writes nothing.
func (d *Doctor) hubSpotCheck(ctx context.Context) []store.Check {
	if d.cfg.CRMProvider != "hubspot" {
		return []store.Check{skip(checkHubSpot, "CRM_PROVIDER is not hubspot", "to sync with HubSpot, set CRM_PROVIDER=hubspot and HUBSPOT_TOKEN")}
	}
	if d.cfg.HubSpotToken == "" {
		return []store.Check{skip(checkHubSpot, "HUBSPOT_TOKEN is not set (see config.crm)", "set HUBSPOT_TOKEN to a HubSpot private app's token")}
	}
	ctx, cancel := context.WithTimeout(ctx, d.deps.Timeout)
	defer cancel()
	base := strings.TrimRight(d.cfg.HubSpotAPIBase, "/")
	if base == "" {
		base = "https://api.hubapi.com"
	}
	var missing []string
	for _, p := range hubSpotProperties {
		status, msg, err := d.hubSpotGet(ctx, base+"/crm/v3/properties/contacts/"+url.PathEscape(p))
		switch {
		case err != nil && offline(err):
			return []store.Check{offlineCheck(checkHubSpot, "HubSpot", err)}
		case err != nil:
			return []store.Check{fail(checkHubSpot, "calling HubSpot: "+shortErr(err), "check HUBSPOT_API_BASE (unset means https://api.hubapi.com)")}
		case status == http.StatusOK:
		case status == http.StatusNotFound:
			missing = append(missing, p)
		case status == http.StatusUnauthorized:
			return []store.Check{fail(checkHubSpot, "HubSpot refused the token: "+msg, "copy the private app's access token again into HUBSPOT_TOKEN (HubSpot → Settings → Integrations → Private apps)")}
		case status == http.StatusForbidden:
			return []store.Check{fail(checkHubSpot, "the token may not read contact properties: "+msg, "give the private app the crm.schemas.contacts.read scope (and crm.objects.contacts.read and .write for the sync)")}
		case status == http.StatusTooManyRequests || status >= 500:
			return []store.Check{warn(checkHubSpot, fmt.Sprintf("HubSpot answered %d", status), "run switchboard doctor again in a minute; see status.hubspot.com")}
		default:
			return []store.Check{fail(checkHubSpot, fmt.Sprintf("HubSpot answered %d: %s", status, msg), "")}
		}
	}
	if len(missing) > 0 {
		return []store.Check{fail(checkHubSpot, "HubSpot accepts the token, but these contact properties are missing: "+strings.Join(missing, ", ")+"; the sync fails without them",
			"run switchboard crm setup, or create them in HubSpot (Settings → Properties → Contact properties, single-line text, these internal names)")}
	}
	return []store.Check{ok(checkHubSpot, "HubSpot accepts the token and has the four switchboard_ contact properties")}
}

// hubSpotGet makes one authenticated GET and returns the status and, for
// an error, HubSpot's message.
func (d *Doctor) hubSpotGet(ctx context.Context, u string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Authorization", "Bearer "+d.cfg.HubSpotToken)
	req.Header.Set("Accept", "application/json")
	resp, err := d.deps.HTTP.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var e struct {
		Message string `json:"message"`
	}
	_ = json.Unmarshal(body, &e)
	msg := e.Message
	if len(msg) > 160 {
		msg = msg[:160] + "…"
	}
	return resp.StatusCode, msg, nil
}
