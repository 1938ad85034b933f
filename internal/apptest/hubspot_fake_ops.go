package apptest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

type hsFilterGroup = struct {
	Filters []struct {
		PropertyName string `json:"propertyName"`
		Operator     string `json:"operator"`
		Value        string `json:"value"`
	} `json:"filters"`
}

func (h *HubSpot) search(w http.ResponseWriter, groups []hsFilterGroup) {
	h.mu.Lock()
	if body := h.unknownFilter(groups); body != nil {
		h.mu.Unlock()
		writeHS(w, http.StatusBadRequest, body)
		return
	}
	h.Calls["search"]++
	var results []map[string]any
	for _, c := range h.candidates(groups) {
		if time.Since(c.CreatedAt) < h.IndexLag {
			continue // not indexed yet: HubSpot's search lags its writes
		}
		if matchesAny(c.Props, groups) {
			results = append(results, hsJSON(c))
		}
	}
	h.mu.Unlock()
	if results == nil {
		results = []map[string]any{}
	}
	writeHS(w, http.StatusOK, map[string]any{"total": len(results), "results": results})
}

func matchesAny(props map[string]string, groups []hsFilterGroup) bool {
	for _, g := range groups {
		all := len(g.Filters) > 0
		for _, f := range g.Filters {
			v := props[f.PropertyName]
			if f.PropertyName == "email" {
				v, f.Value = strings.ToLower(v), strings.ToLower(f.Value)
			}
			if f.Operator != "EQ" || v != f.Value {
				all = false
			}
		}
		if all {
			return true
		}
	}
	return false
}

func (h *HubSpot) create(w http.ResponseWriter, props map[string]string) {
	h.mu.Lock()
	if body := h.invalidProps(props); body != nil {
		h.mu.Unlock()
		writeHS(w, http.StatusBadRequest, body)
		return
	}
	if email := strings.ToLower(props["email"]); email != "" {
		for _, id := range h.byEmail[email] {
			if strings.ToLower(h.contacts[id].Props["email"]) == email {
				h.mu.Unlock()
				hsErr(w, http.StatusConflict, "CONFLICT", "Contact already exists. Existing ID: "+id)
				return
			}
		}
	}
	h.Calls["create"]++
	h.nextID++
	c := &hsContact{ID: strconv.Itoa(h.nextID), Props: map[string]string{}, CreatedAt: time.Now()}
	for k, v := range props {
		c.Props[k] = v
	}
	h.contacts[c.ID] = c
	h.index(c)
	out, hook := hsJSON(c), h.OnWrite
	snapshot := copyProps(c.Props)
	h.mu.Unlock()
	if hook != nil {
		hook(snapshot)
	}
	writeHS(w, http.StatusCreated, out)
}

func (h *HubSpot) update(w http.ResponseWriter, id string, props map[string]string) {
	h.mu.Lock()
	c, ok := h.contacts[id]
	if !ok {
		h.mu.Unlock()
		hsErr(w, http.StatusNotFound, "OBJECT_NOT_FOUND", "resource not found")
		return
	}
	if body := h.invalidProps(props); body != nil {
		h.mu.Unlock()
		writeHS(w, http.StatusBadRequest, body)
		return
	}
	h.Calls["update"]++
	for k, v := range props {
		c.Props[k] = v
	}
	h.index(c)
	out, hook := hsJSON(c), h.OnWrite
	snapshot := copyProps(c.Props)
	h.mu.Unlock()
	if hook != nil {
		hook(snapshot)
	}
	writeHS(w, http.StatusOK, out)
}

func copyProps(p map[string]string) map[string]string {
	out := make(map[string]string, len(p))
	for k, v := range p {
		out[k] = v
	}
	return out
}

func hsJSON(c *hsContact) map[string]any {
	props := map[string]any{"hs_object_id": c.ID, "createdate": c.CreatedAt.UTC().Format(time.RFC3339Nano)}
	for k, v := range c.Props {
		props[k] = v
	}
	ts := c.CreatedAt.UTC().Format(time.RFC3339Nano)
	return map[string]any{"id": c.ID, "properties": props, "createdAt": ts, "updatedAt": ts, "archived": false}
}

func writeHS(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// candidates narrows a search to the contacts an EQ filter on email or our
// account ID can match (an index, as HubSpot has), else every contact.
func (h *HubSpot) candidates(groups []hsFilterGroup) []*hsContact {
	var out []*hsContact
	seen := map[string]bool{}
	for _, g := range groups {
		if len(g.Filters) == 0 || g.Filters[0].Operator != "EQ" {
			return h.all()
		}
		f := g.Filters[0]
		var ids []string
		switch f.PropertyName {
		case "email":
			ids = h.byEmail[strings.ToLower(f.Value)]
		case "switchboard_account_id":
			ids = h.byAccount[f.Value]
		default:
			return h.all()
		}
		for _, id := range ids {
			if !seen[id] {
				seen[id] = true
				out = append(out, h.contacts[id])
			}
		}
	}
	return out
}

func (h *HubSpot) all() []*hsContact {
	out := make([]*hsContact, 0, len(h.contacts))
	for _, c := range h.contacts {
		out = append(out, c)
	}
	return out
}

// index records a contact's email and account ID for search.
func (h *HubSpot) index(c *hsContact) {
	if h.byEmail == nil {
		h.byEmail, h.byAccount = map[string][]string{}, map[string][]string{}
	}
	if e := strings.ToLower(c.Props["email"]); e != "" && !slices.Contains(h.byEmail[e], c.ID) {
		h.byEmail[e] = append(h.byEmail[e], c.ID)
	}
	if a := c.Props["switchboard_account_id"]; a != "" && !slices.Contains(h.byAccount[a], c.ID) {
		h.byAccount[a] = append(h.byAccount[a], c.ID)
	}
}
