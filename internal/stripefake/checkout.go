package stripefake

// AddCheckoutSession makes a Checkout session retrievable (GET
// /v1/checkout/sessions/{id}), as fixture.CheckoutSession builds one; adding
// it again replaces it (the session moved on: paid, expired).
func (s *Stripe) AddCheckoutSession(session map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, _ := session["id"].(string)
	s.sessions[id] = session
}

// checkoutSession answers a retrieval, or Stripe's 404 for an unknown ID.
func (s *Stripe) checkoutSession(id string) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, ok := s.sessions[id]
	if !ok {
		return nil, invalid(404, "resource_missing", "id", "No such checkout.session: '%s'", id)
	}
	return cs, nil
}
