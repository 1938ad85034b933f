package apptest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// HSProperty is a contact property as HubSpot's properties API shows it.
type HSProperty struct {
	Name      string     `json:"name"`
	Label     string     `json:"label"`
	Type      string     `json:"type"`
	FieldType string     `json:"fieldType"`
	GroupName string     `json:"groupName"`
	Options   []HSOption `json:"options"`
}

// HSOption is one value of an enumeration property.
type HSOption struct {
	Label        string `json:"label"`
	Value        string `json:"value"`
	DisplayOrder int    `json:"displayOrder"`
	Hidden       bool   `json:"hidden"`
}

// builtinProps are the contact properties every HubSpot portal has; a fresh
// portal has none of Switchboard's.
var builtinProps = []string{"email", "firstname", "lastname", "phone", "company", "hs_object_id", "createdate", "lastmodifieddate"}

// validTypes is HubSpot's type → allowed field types.
var validTypes = map[string][]string{
	"string":      {"text", "textarea", "phonenumber", "html", "file"},
	"number":      {"number", "calculation_equation"},
	"enumeration": {"select", "radio", "checkbox", "booleancheckbox", "calculation_equation"},
	"bool":        {"booleancheckbox"},
	"date":        {"date"},
	"datetime":    {"date"},
}

func (h *HubSpot) freshPortal() {
	h.props = map[string]*HSProperty{}
	for _, n := range builtinProps {
		h.props[n] = &HSProperty{Name: n, Label: n, Type: "string", FieldType: "text", GroupName: "contactinformation"}
	}
	h.groups = map[string]string{"contactinformation": "Contact information"}
}

// DefineProperty adds a contact property as if made by hand in HubSpot's settings.
func (h *HubSpot) DefineProperty(p HSProperty) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if p.GroupName == "" {
		p.GroupName = "contactinformation"
	}
	h.props[p.Name] = &p
}

// DeleteProperty removes a contact property, as an admin might in HubSpot's settings.
func (h *HubSpot) DeleteProperty(name string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.props, name)
}

// Property returns a copy of a contact property's definition.
func (h *HubSpot) Property(name string) (HSProperty, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	p, ok := h.props[name]
	if !ok {
		return HSProperty{}, false
	}
	c := *p
	c.Options = slices.Clone(p.Options)
	return c, true
}

// Group returns a property group's label.
func (h *HubSpot) Group(name string) (string, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	l, ok := h.groups[name]
	return l, ok
}

// serveProperties answers /crm/v3/properties/contacts/…: the groups list and
// create, and a property's read, create and update.
func (h *HubSpot) serveProperties(w http.ResponseWriter, r *http.Request, rest string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.Calls[r.Method+" properties"]++
	switch {
	case rest == "groups" && r.Method == http.MethodGet:
		var out []map[string]any
		for name, label := range h.groups {
			out = append(out, map[string]any{"name": name, "label": label, "displayOrder": -1, "archived": false})
		}
		writeHS(w, http.StatusOK, map[string]any{"results": out})
	case rest == "groups" && r.Method == http.MethodPost:
		var g struct{ Name, Label string }
		if json.NewDecoder(r.Body).Decode(&g) != nil || g.Name == "" || g.Label == "" {
			hsErr(w, http.StatusBadRequest, "VALIDATION_ERROR", "Invalid input JSON: a group needs name and label")
			return
		}
		if _, ok := h.groups[g.Name]; ok {
			hsErr(w, http.StatusConflict, "OBJECT_ALREADY_EXISTS", fmt.Sprintf("A property group named '%s' already exists.", g.Name))
			return
		}
		h.groups[g.Name] = g.Label
		writeHS(w, http.StatusCreated, map[string]any{"name": g.Name, "label": g.Label, "displayOrder": -1, "archived": false})
	case rest == "" && r.Method == http.MethodPost:
		h.createProperty(w, r)
	case rest != "" && !strings.Contains(rest, "/") && r.Method == http.MethodGet:
		p, ok := h.props[rest]
		if !ok {
			hsErr(w, http.StatusNotFound, "OBJECT_NOT_FOUND", fmt.Sprintf("Unable to find property %s for object type 0-1", rest))
			return
		}
		writeHS(w, http.StatusOK, propJSON(p))
	case rest != "" && !strings.Contains(rest, "/") && r.Method == http.MethodPatch:
		h.updateProperty(w, r, rest)
	default:
		hsErr(w, http.StatusNotFound, "OBJECT_NOT_FOUND", "resource not found")
	}
}

func (h *HubSpot) createProperty(w http.ResponseWriter, r *http.Request) {
	var p HSProperty
	if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
		hsErr(w, http.StatusBadRequest, "VALIDATION_ERROR", "Invalid input JSON on line 1")
		return
	}
	if msg := validProperty(p); msg != "" {
		hsErr(w, http.StatusBadRequest, "VALIDATION_ERROR", msg)
		return
	}
	if _, ok := h.groups[p.GroupName]; !ok {
		hsErr(w, http.StatusBadRequest, "VALIDATION_ERROR", fmt.Sprintf("group %s does not exist for object type 0-1", p.GroupName))
		return
	}
	if _, ok := h.props[p.Name]; ok {
		hsErr(w, http.StatusConflict, "OBJECT_ALREADY_EXISTS", fmt.Sprintf("A property named '%s' already exists.", p.Name))
		return
	}
	h.props[p.Name] = &p
	writeHS(w, http.StatusCreated, propJSON(&p))
}

func (h *HubSpot) updateProperty(w http.ResponseWriter, r *http.Request, name string) {
	p, ok := h.props[name]
	if !ok {
		hsErr(w, http.StatusNotFound, "OBJECT_NOT_FOUND", fmt.Sprintf("Unable to find property %s for object type 0-1", name))
		return
	}
	var in struct {
		Label   string     `json:"label"`
		Options []HSOption `json:"options"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		hsErr(w, http.StatusBadRequest, "VALIDATION_ERROR", "Invalid input JSON on line 1")
		return
	}
	next := *p
	if in.Label != "" {
		next.Label = in.Label
	}
	if in.Options != nil {
		next.Options = in.Options // HubSpot replaces the whole list
	}
	if msg := validProperty(next); msg != "" {
		hsErr(w, http.StatusBadRequest, "VALIDATION_ERROR", msg)
		return
	}
	*p = next
	writeHS(w, http.StatusOK, propJSON(p))
}

// validProperty checks what HubSpot checks on a property definition.
func validProperty(p HSProperty) string {
	switch {
	case p.Name == "" || p.Label == "" || p.Type == "" || p.FieldType == "" || p.GroupName == "":
		return "Property definitions need name, label, type, fieldType and groupName"
	case !slices.Contains(validTypes[p.Type], p.FieldType):
		return fmt.Sprintf("fieldType %q is not valid for type %q", p.FieldType, p.Type)
	case p.Type == "enumeration" && len(p.Options) == 0:
		return "enumeration properties need at least one option"
	}
	return ""
}

func propJSON(p *HSProperty) map[string]any {
	opts := p.Options
	if opts == nil {
		opts = []HSOption{}
	}
	now := time.Now().UTC().Format(time.RFC3339Nano)
	return map[string]any{"name": p.Name, "label": p.Label, "type": p.Type, "fieldType": p.FieldType,
		"groupName": p.GroupName, "options": opts, "createdAt": now, "updatedAt": now, "archived": false,
		"hasUniqueValue": false, "hidden": false, "formField": true}
}

// invalidProps checks a contact write against the portal's properties, as
// HubSpot does: unknown properties and enumeration values outside the options.
// It returns HubSpot's error body, or nil.
func (h *HubSpot) invalidProps(props map[string]string) map[string]any {
	type problem struct{ name, code, msg string }
	var ps []problem
	names := make([]string, 0, len(props))
	for k := range props {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		def, ok := h.props[k]
		switch {
		case !ok:
			ps = append(ps, problem{k, "PROPERTY_DOESNT_EXIST", fmt.Sprintf("Property \"%s\" does not exist", k)})
		case def.Type == "enumeration" && props[k] != "" &&
			!slices.ContainsFunc(def.Options, func(o HSOption) bool { return o.Value == props[k] }):
			ps = append(ps, problem{k, "INVALID_OPTION", fmt.Sprintf("%s was not one of the allowed options", props[k])})
		}
	}
	if len(ps) == 0 {
		return nil
	}
	var legacy []map[string]any
	var errs []map[string]any
	for _, p := range ps {
		legacy = append(legacy, map[string]any{"isValid": false, "message": p.msg, "error": p.code, "name": p.name,
			"localizedErrorMessage": p.msg})
		errs = append(errs, map[string]any{"message": p.msg, "code": p.code,
			"context": map[string][]string{"propertyName": {p.name}}})
	}
	b, _ := json.Marshal(legacy)
	return hsBody("VALIDATION_ERROR", "Property values were not valid: "+string(b), errs)
}

// unknownFilter checks a search's filters against the portal's properties.
func (h *HubSpot) unknownFilter(groups []hsFilterGroup) map[string]any {
	for _, g := range groups {
		for _, f := range g.Filters {
			if _, ok := h.props[f.PropertyName]; !ok {
				msg := fmt.Sprintf("Property \"%s\" does not exist", f.PropertyName)
				return hsBody("VALIDATION_ERROR", "There was a problem with the request.", []map[string]any{{
					"message": msg, "code": "PROPERTY_DOESNT_EXIST", "context": map[string][]string{"propertyName": {f.PropertyName}},
				}})
			}
		}
	}
	return nil
}

func hsBody(category, msg string, errs []map[string]any) map[string]any {
	return map[string]any{"status": "error", "message": msg, "category": category, "errors": errs,
		"correlationId": fmt.Sprintf("%08x-fake", time.Now().UnixNano()&0xffffffff)}
}
