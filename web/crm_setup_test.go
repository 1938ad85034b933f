package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/jobs/crm"
	"github.com/switchboardhq/switchboard/store"
)

// A HubSpot portal that has never seen Switchboard gets the property group,
// the four properties and the contact from the first sync.
func TestFreshHubSpotPortalGetsPropertiesAndContactOnFirstSync(t *testing.T) {
	t.Parallel()
	hs := NewHubSpot(t, hsToken)
	app := NewWith(t, Options{HubSpot: hs})
	acct := signup(app, "gus@example.com", "seller", "growth")
	got := waitSynced(app, acct.ID)
	if _, ok := hs.Group(crm.PropertyGroup); !ok {
		t.Fatal("the property group was not created")
	}
	for _, p := range crm.Properties {
		if def, ok := hs.Property(p.Name); !ok || def.Type != p.Type {
			t.Errorf("property %s: got %+v, want type %s", p.Name, def, p.Type)
		}
	}
	c := hs.Contacts()[*got.CRMContactID]
	if c[crm.PropAccountID] != fmt.Sprint(acct.ID) || c[crm.PropRole] != "seller" || c[crm.PropPlanTier] != "growth" ||
		c[crm.PropPaymentState] != "none" {
		t.Fatalf("contact: got %v", c)
	}
}

// A property someone made by hand with another type cannot be written: the
// sync is cancelled (retrying cannot help) and an alert names the property.
func TestWrongTypedHubSpotPropertyCancelsTheSyncAndAlerts(t *testing.T) {
	t.Parallel()
	hs := NewHubSpot(t, hsToken)
	hs.DefineProperty(HSProperty{Name: crm.PropPaymentState, Label: "Payment", Type: "number", FieldType: "number"})
	app := NewWith(t, Options{HubSpot: hs})
	acct := signup(app, "hal@example.com", "buyer", "free")
	app.Eventually(10*time.Second, "the job is cancelled", func() bool {
		return app.Count(`SELECT count(*) FROM river_job WHERE kind = 'crm_sync' AND state = 'cancelled'`) == 1
	})
	a, _ := app.Store.AccountByID(t.Context(), acct.ID)
	if a.CRMSyncStatus != store.CRMFailed || !strings.Contains(a.CRMLastError, crm.PropPaymentState) {
		t.Fatalf("account: status %q, error %q; want failed naming the property", a.CRMSyncStatus, a.CRMLastError)
	}
	al, err := app.Store.AlertByKey(t.Context(), store.AlertCRMRejected, fmt.Sprintf("account:%d", acct.ID))
	if err != nil || !strings.Contains(al.Message, `type "number"`) || !strings.Contains(al.Message, `needs type "enumeration"`) {
		t.Fatalf("crm_rejected alert: got %+v, %v", al, err)
	}
	if n := len(hs.Contacts()); n != 0 {
		t.Fatalf("contacts: got %d, want none", n)
	}
}
