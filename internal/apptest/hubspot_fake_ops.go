package apptest

import (
	"encoding/json"
	"net/http"
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
	h.Calls["search"]++
	var results []map[string]any
	for _, c := range h.contacts {
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
	email := strings.ToLower(props["email"])
	if email != "" {
		for _, c := range h.contacts {
			if strings.ToLower(c.Props["email"]) == email {
				h.mu.Unlock()
				hsErr(w, http.StatusConflict, "CONFLICT", "Contact already exists. Existing ID: "+c.ID)
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
	h.Calls["update"]++
	for k, v := range props {
		c.Props[k] = v
	}
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
