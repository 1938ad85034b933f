package main

import (
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/jobs/crm"
)

const hsToken = "pat-na1-cccccccc-dddd-eeee-ffff-000000000000"

func hubspotEnv(t *testing.T, hs *apptest.HubSpot) {
	t.Setenv("DATABASE_URL", "")
	t.Setenv("CRM_PROVIDER", "hubspot")
	t.Setenv("HUBSPOT_TOKEN", hsToken)
	t.Setenv("HUBSPOT_API_BASE", hs.URL)
}

// crm setup twice: the first run creates the group and the properties, the
// second finds them and changes nothing. A 429 on the way is waited out.
func TestCRMSetupIsIdempotentAndWaitsOutRateLimits(t *testing.T) {
	hs := apptest.NewHubSpot(t, hsToken)
	hubspotEnv(t, hs)
	hs.Fail(apptest.Fault{Status: 429, RetryAfter: "1"})
	out, err := runCmd(t, "", "crm", "setup")
	if err != nil {
		t.Fatalf("first crm setup: %v\n%s", err, out)
	}
	for _, want := range []string{"trying again in 1s", "group switchboard: created", "property switchboard_account_id: created (string)",
		"property switchboard_payment_state: created (enumeration)", "property switchboard_role: created (enumeration)", "set up"} {
		if !strings.Contains(out, want) {
			t.Errorf("first run's output lacks %q:\n%s", want, out)
		}
	}
	creates := hs.CallCount("POST properties")
	out, err = runCmd(t, "", "crm", "setup")
	if err != nil {
		t.Fatalf("second crm setup: %v\n%s", err, out)
	}
	if strings.Contains(out, "created") || strings.Count(out, ": found") != 1+len(crm.Properties) {
		t.Errorf("second run: want everything found, got:\n%s", out)
	}
	if n := hs.CallCount("POST properties"); n != creates {
		t.Errorf("the second run created %d things, want none", n-creates)
	}
}

func TestCRMSetupFailsOnAWrongTypedProperty(t *testing.T) {
	hs := apptest.NewHubSpot(t, hsToken)
	hubspotEnv(t, hs)
	hs.DefineProperty(apptest.HSProperty{Name: crm.PropRole, Label: "Role", Type: "string", FieldType: "text"})
	out, err := runCmd(t, "", "crm", "setup")
	if err == nil || !strings.Contains(err.Error(), `switchboard_role exists with type "string"`) ||
		!strings.Contains(err.Error(), `needs type "enumeration"`) {
		t.Fatalf("got %v\n%s; want a clear error naming the property and both types", err, out)
	}
}

func TestCRMSetupWithoutHubSpot(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	t.Setenv("CRM_PROVIDER", "webhook")
	out, err := runCmd(t, "", "crm", "setup")
	if err != nil || !strings.Contains(out, "nothing to set up") {
		t.Fatalf("got %v %q, want nothing to set up", err, out)
	}
	if _, err := runCmd(t, "", "crm"); err == nil {
		t.Fatal("crm without a subcommand: got no error")
	}
	// Without any CRM, it says how to connect one.
	t.Setenv("CRM_PROVIDER", "none")
	out, err = runCmd(t, "", "crm", "setup")
	if err != nil || !strings.Contains(out, "CRM_PROVIDER=hubspot") || !strings.Contains(out, "HUBSPOT_TOKEN") {
		t.Fatalf("crm setup without a CRM: got %v %q, want it to name CRM_PROVIDER=hubspot and HUBSPOT_TOKEN", err, out)
	}
}
