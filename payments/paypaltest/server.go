// Package paypaltest is a fake PayPal REST API for tests, driven by the
// real plutov/paypal client: OAuth tokens, Orders v2 (create, get,
// capture), capture refunds and webhook signature verification. Like
// PayPal, it replays the first response for a repeated PayPal-Request-Id
// (a refusal included, and a success whose answer was lost on the way),
// refuses to capture an order twice (ORDER_ALREADY_CAPTURED) or one the
// buyer has not approved (ORDER_NOT_APPROVED), and refuses refunds beyond
// the captured amount. Without "Prefer: return=representation" a create
// or capture is answered minimally (id, status, links). Faults can be
// injected: a declined capture, a 500, a timeout, a pending capture, a
// refused refund, an order whose capture takes another amount or currency
// than tori asked for (SetAmount). It also plays the buyer (approve or
// cancel on PayPal's page) and sends signed webhooks.
package paypaltest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Credentials the fake accepts, and the webhook id it verifies against.
const (
	ClientID  = "test-client-id"
	Secret    = "test-secret"
	WebhookID = "WH-TEST-1"
)

// Fault is an injected failure.
type Fault string

// Faults.
const (
	Declined       Fault = "declined"        // capture: 422 INSTRUMENT_DECLINED
	ServerError    Fault = "server_error"    // any: 500 INTERNAL_SERVER_ERROR
	Timeout        Fault = "timeout"         // any: no answer until the client gives up
	Pending        Fault = "pending"         // capture: completes with status PENDING
	Refused        Fault = "refused"         // refund: 422 REFUND_FAILED_INSUFFICIENT_FUNDS
	AfterCommit    Fault = "after_commit"    // capture/refund: done at PayPal, but the answer is a 500
	Slow           Fault = "slow"            // any: answered after 300 ms (a second request with the same id meanwhile is refused)
	DeclinedStatus Fault = "declined_status" // capture: 201, but the capture's status is DECLINED
)

// Order is the fake's view of an order.
type Order struct {
	ID        string
	Status    string // CREATED, APPROVED, COMPLETED
	Currency  string
	Value     string
	CustomID  string
	ReturnURL string
	CancelURL string
	Capture   *Capture
}

// Capture is a capture of an order.
type Capture struct {
	ID       string
	OrderID  string
	Status   string
	Currency string
	Value    string
	Refunds  []Refund
}

// Refund is a refund of a capture.
type Refund struct {
	ID       string
	Currency string
	Value    string
}

type replay struct {
	status int
	body   []byte
}

// Server is the fake PayPal API.
type Server struct {
	*httptest.Server

	mu       sync.Mutex
	seq      int
	tokens   map[string]bool
	orders   map[string]*Order
	captures map[string]*Capture
	replays  map[string]replay // method path request-id -> first answer
	faults   map[string][]Fault
	calls    map[string]int // "create", "capture", "refund", "verify", "token", "get"
	ids      []string       // order ids, oldest first
	inflight map[string]bool
	quit     chan struct{}
	conns    atomic.Int64 // connections accepted

	// BuyerURL, when set before the first order, is the approval page the
	// orders' approve links point to (with ?token=ORDER) in place of the
	// fake's own /checkoutnow: a page of the caller's that approves with
	// Approve.
	BuyerURL string
	// OnEvent, when set before use, is called (outside the fake's lock, on
	// a goroutine of its own, as PayPal sends webhooks apart from its API
	// answers) with the event type and resource of what PayPal would
	// notify: CHECKOUT.ORDER.APPROVED, PAYMENT.CAPTURE.COMPLETED (or
	// .PENDING, .DECLINED) and PAYMENT.CAPTURE.REFUNDED. Build the signed
	// request with Webhook.
	OnEvent func(eventType string, resource map[string]any)
}

// event calls OnEvent, if set, on a goroutine of its own.
func (s *Server) event(eventType string, resource map[string]any) {
	if s.OnEvent != nil && resource != nil {
		go s.OnEvent(eventType, resource)
	}
}

// New starts a fake PayPal.
func New() *Server {
	s := NewUnstarted()
	s.Start()
	return s
}

// NewUnstarted is a fake PayPal not yet started: its http.Server (Config)
// may be set up first (a handler around its own, timeouts); then Start.
func NewUnstarted() *Server {
	s := &Server{
		tokens: map[string]bool{}, orders: map[string]*Order{}, captures: map[string]*Capture{},
		replays: map[string]replay{}, faults: map[string][]Fault{}, calls: map[string]int{}, quit: make(chan struct{}),
		inflight: map[string]bool{},
	}

	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.Server.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	return s
}

// Connections is how many connections clients have opened to the fake.
func (s *Server) Connections() int { return int(s.conns.Load()) }

// Close stops the fake, releasing requests held by a Timeout fault.
func (s *Server) Close() {
	s.mu.Lock()
	select {
	case <-s.quit:
	default:
		close(s.quit)
	}
	s.mu.Unlock()
	s.Server.Close()
}

// FailNext makes the next call of op ("create", "capture", "refund", "get",
// "verify") fail with f. Several calls queue several faults.
func (s *Server) FailNext(op string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[op] = append(s.faults[op], f)
}

// Calls counts the requests of op that reached the fake.
func (s *Server) Calls(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

// Order returns a copy of an order.
func (s *Server) Order(id string) (Order, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[id]
	if !ok {
		return Order{}, false
	}

	c := *o
	if o.Capture != nil {
		cp := *o.Capture
		cp.Refunds = append([]Refund(nil), o.Capture.Refunds...)
		c.Capture = &cp
	}
	return c, true
}

// Orders returns the ids of every order, oldest first.
func (s *Server) Orders() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.ids...)
}

func (s *Server) next(prefix string) string {
	s.seq++
	return fmt.Sprintf("%s-%d", prefix, s.seq)
}

func writeJSON(w http.ResponseWriter, status int, v any) []byte {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
	return b
}

func problem(name, issue, msg string) map[string]any {
	return map[string]any{"name": name, "message": msg, "debug_id": "fake-debug", "details": []map[string]string{{"issue": issue, "description": msg}}}
}

func (s *Server) fault(op string) Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[op]++
	if fs := s.faults[op]; len(fs) > 0 {
		s.faults[op] = fs[1:]
		return fs[0]
	}
	return ""
}

// serve answers one request as PayPal would: the buyer's page and the
// token are public; the API asks for a token, keeps the answer of each
// PayPal-Request-Id, and fails as the next planted fault of its operation
// says.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	switch {
	case r.Method == http.MethodGet && path == "/checkoutnow":
		s.buyerPage(w, r)
		return
	case r.Method == http.MethodPost && path == "/v1/oauth2/token":
		s.token(w, r)
		return
	}

	if !s.authorized(r) {
		writeJSON(w, 401, map[string]string{"error": "invalid_token", "error_description": "Token signature verification failed"})
		return
	}
	op := apiOp(r.Method, path)
	if op == "" {
		writeJSON(w, 404, problem("RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID", "not faked: "+r.Method+" "+path))
		return
	}

	// A request id seen before gets the first answer again; PayPal
	// processes the first of two simultaneous requests with one id and
	// fails the second.
	rid := r.Header.Get("PayPal-Request-Id")
	key := r.Method + " " + path + " " + rid
	if rid != "" {
		if s.replay(w, op, key) {
			return
		}
		if !s.begin(key) {
			writeJSON(w, 422, problem("UNPROCESSABLE_ENTITY", "PREVIOUS_REQUEST_IN_PROGRESS", "A previous request with this PayPal-Request-Id is in progress."))
			return
		}
		defer s.end(key)
	}

	f := s.fault(op)
	if s.failFirst(w, r, f, key) {
		return
	}

	status, body := s.answer(w, r, op, f, key)
	if rid != "" {
		s.keep(key, op, status, body)
	}
}

// keep keeps the answer to request key for its repeats. PayPal returns
// the latest status of a request id: a repeated id gets the first answer,
// a refusal included (5xx answers are not kept: the request may be
// retried; nor is verify's, status 0, which answers by itself).
func (s *Server) keep(key, op string, status int, body []byte) {
	if status == 0 || status >= 500 || op == "capture" && status == 422 && notApproved(body) {
		return
	}

	s.mu.Lock()
	s.replays[key] = replay{status: status, body: body}
	s.mu.Unlock()
}

// authorized reports whether r carries a token the server gave.
func (s *Server) authorized(r *http.Request) bool {
	auth := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokens[auth]
}

// apiOp names the API operation of a request, "" for one not faked.
func apiOp(method, path string) string {
	post := method == http.MethodPost
	switch {
	case post && path == "/v2/checkout/orders":
		return "create"
	case method == http.MethodGet && strings.HasPrefix(path, "/v2/checkout/orders/"):
		return "get"
	case post && strings.HasPrefix(path, "/v2/checkout/orders/") && strings.HasSuffix(path, "/capture"):
		return "capture"
	case post && strings.HasPrefix(path, "/v2/payments/captures/") && strings.HasSuffix(path, "/refund"):
		return "refund"
	case post && path == "/v1/notifications/verify-webhook-signature":
		return "verify"
	}
	return ""
}

// replay writes the answer kept for key, if any, and reports whether it did.
func (s *Server) replay(w http.ResponseWriter, op, key string) bool {
	s.mu.Lock()
	rp, seen := s.replays[key]
	if seen {
		s.calls[op]++
	}
	s.mu.Unlock()
	if !seen {
		return false
	}

	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(rp.status)
	_, _ = w.Write(rp.body)
	return true
}

// begin marks the request key in flight; false when it already is.
func (s *Server) begin(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	busy := s.inflight[key]
	s.inflight[key] = true
	return !busy
}

// end marks the request key no longer in flight.
func (s *Server) end(key string) {
	s.mu.Lock()
	delete(s.inflight, key)
	s.mu.Unlock()
}

// failFirst plays the faults that come before the operation: slow (then
// the operation), a server error, or a timeout. It reports whether the
// request is answered.
func (s *Server) failFirst(w http.ResponseWriter, r *http.Request, f Fault, key string) bool {
	switch f {
	case Slow:
		select {
		case <-time.After(300 * time.Millisecond):
		case <-s.quit:
		}
	case ServerError:
		writeJSON(w, 500, problem("INTERNAL_SERVER_ERROR", "INTERNAL_SERVICE_ERROR", "An internal service error has occurred."))
		return true
	case Timeout:
		s.end(key) // the client gives up: its request no longer counts as in flight
		select {
		case <-r.Context().Done():
		case <-s.quit:
		case <-time.After(time.Minute):
		}
		return true
	}
	return false
}

// answer does operation op and writes its answer; verify writes its own
// and returns status 0.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, op string, f Fault, key string) (status int, body []byte) {
	switch op {
	case "create":
		return s.createOrder(w, r)
	case "get":
		return s.getOrder(w, r)
	case "capture":
		return s.capture(w, r, f, key)
	case "refund":
		return s.refund(w, r, f, key)
	}
	s.verify(w, r)
	return 0, nil
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := r.BasicAuth()
	s.mu.Lock()
	s.calls["token"]++
	s.mu.Unlock()
	if !ok || id != ClientID || secret != Secret {
		writeJSON(w, 401, map[string]string{"error": "invalid_client", "error_description": "Client Authentication failed"})
		return
	}

	// A new token for each call, as PayPal gives.
	s.mu.Lock()
	tok := "A21AA" + strconv.Itoa(len(s.tokens)+1) + "fake"
	s.tokens[tok] = true
	s.mu.Unlock()
	writeJSON(w, 200, map[string]any{"scope": "https://uri.paypal.com/services/payments/payment", "access_token": tok, "token_type": "Bearer", "app_id": "APP-FAKE", "expires_in": 32400})
}

func (s *Server) orderJSON(o *Order) map[string]any {
	unit := map[string]any{
		"reference_id": o.CustomID, "custom_id": o.CustomID,
		"amount": map[string]string{"currency_code": o.Currency, "value": o.Value},
	}
	if c := o.Capture; c != nil {
		unit["payments"] = map[string]any{"captures": []map[string]any{{
			"id": c.ID, "status": c.Status, "amount": map[string]string{"currency_code": c.Currency, "value": c.Value},
		}}}
	}

	return map[string]any{
		"id": o.ID, "status": o.Status, "intent": "CAPTURE",
		"purchase_units": []any{unit},
		"links": []map[string]string{
			{"href": s.URL + "/v2/checkout/orders/" + o.ID, "rel": "self", "method": "GET"},
			{"href": s.approveURL(o.ID), "rel": "approve", "method": "GET"},
			{"href": s.URL + "/v2/checkout/orders/" + o.ID + "/capture", "rel": "capture", "method": "POST"},
		},
	}
}

func (s *Server) approveURL(orderID string) string {
	if s.BuyerURL != "" {
		return s.BuyerURL + "?token=" + url.QueryEscape(orderID)
	}
	return s.URL + "/checkoutnow?token=" + orderID
}

// supported are the currencies PayPal takes; wholeOnly those it takes
// without decimals.
var (
	supported = map[string]bool{"AUD": true, "BRL": true, "CAD": true, "CHF": true, "CNY": true, "CZK": true, "DKK": true, "EUR": true,
		"GBP": true, "HKD": true, "HUF": true, "ILS": true, "JPY": true, "MXN": true, "MYR": true, "NOK": true, "NZD": true, "PHP": true,
		"PLN": true, "SEK": true, "SGD": true, "THB": true, "TWD": true, "USD": true}
	wholeOnly = map[string]bool{"HUF": true, "JPY": true, "TWD": true}
)

var amountPattern = func(v string) bool {
	whole, frac, _ := strings.Cut(v, ".")
	if whole == "" || len(frac) > 2 {
		return false
	}
	for _, c := range whole + frac {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func (s *Server) createOrder(w http.ResponseWriter, r *http.Request) (int, []byte) {
	var req struct {
		Intent        string `json:"intent"`
		PurchaseUnits []struct {
			CustomID string `json:"custom_id"`
			Amount   struct {
				Currency string `json:"currency_code"`
				Value    string `json:"value"`
			} `json:"amount"`
		} `json:"purchase_units"`
		ApplicationContext struct {
			ReturnURL string `json:"return_url"`
			CancelURL string `json:"cancel_url"`
		} `json:"application_context"`
	}

	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Intent != "CAPTURE" || len(req.PurchaseUnits) != 1 {
		b := writeJSON(w, 400, problem("INVALID_REQUEST", "MALFORMED_REQUEST_JSON", "Request is not well-formed"))
		return 400, b
	}

	u := req.PurchaseUnits[0]
	if !supported[u.Amount.Currency] {
		b := writeJSON(w, 422, problem("UNPROCESSABLE_ENTITY", "CURRENCY_NOT_SUPPORTED", "Currency code "+u.Amount.Currency+" is not currently supported."))
		return 422, b
	}
	if !amountPattern(u.Amount.Value) || (wholeOnly[u.Amount.Currency] && strings.Contains(u.Amount.Value, ".")) {
		b := writeJSON(w, 422, problem("UNPROCESSABLE_ENTITY", "DECIMAL_PRECISION", "amount "+u.Amount.Value))
		return 422, b
	}

	s.mu.Lock()
	o := &Order{ID: s.next("ORDER"), Status: "CREATED", Currency: u.Amount.Currency, Value: u.Amount.Value, CustomID: u.CustomID,
		ReturnURL: req.ApplicationContext.ReturnURL, CancelURL: req.ApplicationContext.CancelURL}
	s.orders[o.ID] = o
	s.ids = append(s.ids, o.ID)
	out := minimal(r, s.orderJSON(o))
	s.mu.Unlock()
	return 201, writeJSON(w, 201, out)
}

func (s *Server) getOrder(w http.ResponseWriter, r *http.Request) (int, []byte) {
	id := strings.TrimPrefix(r.URL.Path, "/v2/checkout/orders/")
	s.mu.Lock()
	o, ok := s.orders[id]
	var out map[string]any
	if ok {
		out = s.orderJSON(o)
	}
	s.mu.Unlock()

	if !ok {
		return 404, writeJSON(w, 404, problem("RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID", "order "+id))
	}
	return 200, writeJSON(w, 200, out)
}

// lostAnswer commits a result (replayed for the same request id, as PayPal
// does) but answers 500, as when the answer is lost on the way.
func (s *Server) lostAnswer(w http.ResponseWriter, key string, out any) (int, []byte) {
	b, _ := json.Marshal(out)
	s.mu.Lock()
	s.replays[key] = replay{status: 201, body: b}
	s.mu.Unlock()

	writeJSON(w, 500, problem("INTERNAL_SERVER_ERROR", "INTERNAL_SERVICE_ERROR", "An internal service error has occurred."))
	return 500, nil
}

func (s *Server) capture(w http.ResponseWriter, r *http.Request, f Fault, key string) (int, []byte) {
	id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/v2/checkout/orders/"), "/capture")
	s.mu.Lock()
	o, ok := s.orders[id]
	if !ok {
		s.mu.Unlock()
		return 404, writeJSON(w, 404, problem("RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID", "order "+id))
	}

	// Refused: captured already, not approved, or declined by the planted fault.
	switch {
	case o.Status == "COMPLETED":
		s.mu.Unlock()
		return 422, writeJSON(w, 422, problem("UNPROCESSABLE_ENTITY", "ORDER_ALREADY_CAPTURED", "Order already captured."))
	case o.Status != "APPROVED":
		s.mu.Unlock()
		return 422, writeJSON(w, 422, problem("UNPROCESSABLE_ENTITY", "ORDER_NOT_APPROVED", "Payer has not yet approved the Order for payment."))
	case f == Declined:
		o.Status = "CREATED" // the buyer must approve again with another instrument
		s.mu.Unlock()
		return 422, writeJSON(w, 422, problem("UNPROCESSABLE_ENTITY", "INSTRUMENT_DECLINED", "The instrument presented was either declined by the processor or bank, or it can't be used for this payment."))
	}

	// Captured, with the status the planted fault asks for.
	status := "COMPLETED"
	switch f {
	case Pending:
		status = "PENDING"
	case DeclinedStatus:
		status = "DECLINED"
	}
	o.Capture = &Capture{ID: s.next("CAPTURE"), OrderID: o.ID, Status: status, Currency: o.Currency, Value: o.Value}
	s.captures[o.Capture.ID] = o.Capture
	o.Status = "COMPLETED"
	out := minimal(r, s.orderJSON(o))
	s.mu.Unlock()

	// The webhook, and the answer (lost, if the fault says so).
	captureEvents := map[string]string{"COMPLETED": "PAYMENT.CAPTURE.COMPLETED", "PENDING": "PAYMENT.CAPTURE.PENDING", "DECLINED": "PAYMENT.CAPTURE.DECLINED"}
	s.event(captureEvents[status], s.CaptureResource(o.ID))
	if f == AfterCommit {
		return s.lostAnswer(w, key, out)
	}
	return 201, writeJSON(w, 201, out)
}

// minimal cuts an order down to what PayPal answers a create or capture
// without "Prefer: return=representation": its id, status and links (no
// purchase units, so no capture).
func minimal(r *http.Request, order map[string]any) map[string]any {
	if r.Header.Get("Prefer") == "return=representation" {
		return order
	}
	return map[string]any{"id": order["id"], "status": order["status"], "links": order["links"]}
}

// notApproved reports an ORDER_NOT_APPROVED answer, which PayPal does not
// keep for the request id: the buyer may still approve.
func notApproved(body []byte) bool { return strings.Contains(string(body), "ORDER_NOT_APPROVED") }

func cents(v string) int64 {
	whole, frac, _ := strings.Cut(v, ".")
	for len(frac) < 2 {
		frac += "0"
	}
	n, _ := strconv.ParseInt(whole+frac, 10, 64)
	return n
}

func (s *Server) refund(w http.ResponseWriter, r *http.Request, f Fault, key string) (int, []byte) {
	id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/v2/payments/captures/"), "/refund")
	var req struct {
		Amount *struct {
			Currency string `json:"currency_code"`
			Value    string `json:"value"`
		} `json:"amount"`
	}

	_ = json.NewDecoder(r.Body).Decode(&req)
	s.mu.Lock()
	c, ok := s.captures[id]
	if !ok {
		s.mu.Unlock()
		return 404, writeJSON(w, 404, problem("RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID", "capture "+id))
	}
	if f == Refused {
		s.mu.Unlock()
		return 422, writeJSON(w, 422, problem("UNPROCESSABLE_ENTITY", "REFUND_FAILED_INSUFFICIENT_FUNDS", "Capture could not be refunded due to insufficient funds."))
	}

	// What is left to refund, and the amount asked (the whole capture when none).
	var done int64
	for _, rf := range c.Refunds {
		done += cents(rf.Value)
	}
	value := c.Value
	if req.Amount != nil {
		value = req.Amount.Value
		if req.Amount.Currency != c.Currency || !amountPattern(value) || (wholeOnly[c.Currency] && strings.Contains(value, ".")) {
			s.mu.Unlock()
			return 422, writeJSON(w, 422, problem("UNPROCESSABLE_ENTITY", "CURRENCY_MISMATCH", "refund "+req.Amount.Currency+" "+value))
		}
	}
	if done+cents(value) > cents(c.Value) {
		s.mu.Unlock()
		return 422, writeJSON(w, 422, problem("UNPROCESSABLE_ENTITY", "REFUND_AMOUNT_EXCEEDED", "The refund amount must be less than or equal to the capture amount that has not yet been refunded."))
	}

	out := s.addRefund(c, value, done)
	s.mu.Unlock()
	s.event("PAYMENT.CAPTURE.REFUNDED", out)
	if f == AfterCommit {
		return s.lostAnswer(w, key, out)
	}
	return 201, writeJSON(w, 201, out)
}

// addRefund records a refund of value from c, which had done (in cents)
// refunded before, and returns the refund as PayPal writes it: in its
// answer and as the resource of PAYMENT.CAPTURE.REFUNDED, with the
// capture's total refunded to date in seller_payable_breakdown. s.mu is held.
func (s *Server) addRefund(c *Capture, value string, done int64) map[string]any {
	rf := Refund{ID: s.next("REFUND"), Currency: c.Currency, Value: value}
	c.Refunds = append(c.Refunds, rf)

	total := done + cents(value)
	if total == cents(c.Value) {
		c.Status = "REFUNDED"
	} else {
		c.Status = "PARTIALLY_REFUNDED"
	}

	amount := func(v string) map[string]string { return map[string]string{"currency_code": rf.Currency, "value": v} }
	return map[string]any{"id": rf.ID, "status": "COMPLETED", "amount": amount(rf.Value),
		"seller_payable_breakdown": map[string]any{"gross_amount": amount(rf.Value), "total_refunded_amount": amount(decimal(c.Currency, total))},
		"links":                    []map[string]string{{"href": s.URL + "/v2/payments/captures/" + c.ID, "rel": "up", "method": "GET"}}}
}

// decimal writes an amount in cents (see cents) as PayPal writes it:
// whole units for the currencies PayPal takes whole, else two decimals.
func decimal(currency string, n int64) string {
	if wholeOnly[currency] {
		return strconv.FormatInt(n/100, 10)
	}
	return fmt.Sprintf("%d.%02d", n/100, n%100)
}

// ManualRefund refunds value of a capture as the merchant does by hand in
// PayPal's dashboard (no API call of tori's), and returns the resource of
// the PAYMENT.CAPTURE.REFUNDED event PayPal then sends (also to OnEvent).
func (s *Server) ManualRefund(captureID, value string) (map[string]any, error) {
	s.mu.Lock()
	c, ok := s.captures[captureID]
	if !ok {
		s.mu.Unlock()
		return nil, fmt.Errorf("no capture %s", captureID)
	}

	var done int64
	for _, rf := range c.Refunds {
		done += cents(rf.Value)
	}
	if done+cents(value) > cents(c.Value) {
		s.mu.Unlock()
		return nil, fmt.Errorf("refund %s of capture %s: more than is left", value, captureID)
	}

	out := s.addRefund(c, value, done)
	s.mu.Unlock()
	s.event("PAYMENT.CAPTURE.REFUNDED", out)
	return out, nil
}

// Refunds returns the refunds of a capture.
func (s *Server) Refunds(captureID string) []Refund {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.captures[captureID]; ok {
		return append([]Refund(nil), c.Refunds...)
	}
	return nil
}

// SetAmount changes what an order not yet captured will take, as an order
// changed at PayPal after tori made it would (a PATCH of its amount, a
// misconfigured or tampered checkout): its capture, the order as GET
// returns it, and the capture's webhook events then carry value in
// currency (written as PayPal writes it: "1.00", "350.50", "5"). Any
// currency is taken, PayPal's or not.
func (s *Server) SetAmount(orderID, currency, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[orderID]
	if !ok {
		return fmt.Errorf("no order %s", orderID)
	}
	if o.Capture != nil {
		return fmt.Errorf("order %s is captured already", orderID)
	}
	o.Currency, o.Value = currency, value
	return nil
}

// Approve makes the buyer approve an order on PayPal's page.
func (s *Server) Approve(orderID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[orderID]
	if !ok {
		return fmt.Errorf("no order %s", orderID)
	}
	if o.Status == "CREATED" {
		o.Status = "APPROVED"
		s.event("CHECKOUT.ORDER.APPROVED", s.orderJSON(o))
	}
	return nil
}

// buyerPage is PayPal's approval page: GET ?token=ORDER approves and sends
// the buyer back to the return URL; &cancel=1 sends them to the cancel URL.
func (s *Server) buyerPage(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("token")
	approve := r.URL.Query().Get("cancel") != "1"
	if approve {
		if err := s.Approve(id); err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
	}
	back, err := s.Back(id, approve)
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	http.Redirect(w, r, back, http.StatusFound)
}

// Back is where PayPal sends the buyer from its approval page: the order's
// return URL (approved, with token and PayerID) or its cancel URL (with
// token).
func (s *Server) Back(orderID string, approved bool) (string, error) {
	s.mu.Lock()
	o, ok := s.orders[orderID]
	s.mu.Unlock()
	if !ok {
		return "", fmt.Errorf("no order %s", orderID)
	}

	back := o.CancelURL
	if approved {
		back = o.ReturnURL
	}
	u, err := url.Parse(back)
	if err != nil {
		return "", fmt.Errorf("order %s: bad return url: %w", orderID, err)
	}

	q := u.Query()
	q.Set("token", orderID)
	if approved {
		q.Set("PayerID", "FAKEPAYER1")
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// signature is the fake's transmission signature over what PayPal signs:
// transmission id, time, webhook id and the CRC32 of the body.
func signature(transmissionID, when, webhookID string, body []byte) string {
	m := hmac.New(sha256.New, []byte("fake-paypal-signing-key"))
	fmt.Fprintf(m, "%s|%s|%s|%d", transmissionID, when, webhookID, crc32.ChecksumIEEE(body))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func (s *Server) verify(w http.ResponseWriter, r *http.Request) {
	var req struct {
		TransmissionID   string          `json:"transmission_id"`
		TransmissionSig  string          `json:"transmission_sig"`
		TransmissionTime string          `json:"transmission_time"`
		WebhookID        string          `json:"webhook_id"`
		Event            json.RawMessage `json:"webhook_event"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeJSON(w, 400, problem("INVALID_REQUEST", "MALFORMED_REQUEST_JSON", "Request is not well-formed"))
		return
	}

	status := "FAILURE"
	if req.WebhookID == WebhookID && hmac.Equal([]byte(req.TransmissionSig), []byte(signature(req.TransmissionID, req.TransmissionTime, req.WebhookID, req.Event))) {
		status = "SUCCESS"
	}
	writeJSON(w, 200, map[string]string{"verification_status": status})
}

// Webhook builds a signed webhook request for an event; forged requests
// carry a wrong signature.
func (s *Server) Webhook(target, eventType string, resource map[string]any, forged bool) (*http.Request, string) {
	s.mu.Lock()
	eventID := s.next("WH-EVENT")
	s.mu.Unlock()
	return s.WebhookWithID(target, eventID, eventType, resource, forged), eventID
}

// WebhookWithID is Webhook with a given event id (to deliver an event twice).
func (s *Server) WebhookWithID(target, eventID, eventType string, resource map[string]any, forged bool) *http.Request {
	body, _ := json.Marshal(map[string]any{
		"id": eventID, "event_version": "1.0", "create_time": time.Now().UTC().Format(time.RFC3339),
		"resource_type": strings.ToLower(strings.Split(eventType, ".")[1]), "event_type": eventType, "resource": resource,
	})

	tid := hex.EncodeToString([]byte(eventID))
	when := time.Now().UTC().Format(time.RFC3339)
	sig := signature(tid, when, WebhookID, body)
	if forged {
		sig = signature(tid, when, WebhookID, []byte("something else"))
	}

	req, _ := http.NewRequest(http.MethodPost, target, strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("PAYPAL-AUTH-ALGO", "SHA256withRSA")
	req.Header.Set("PAYPAL-CERT-URL", s.URL+"/v1/notifications/certs/CERT-FAKE")
	req.Header.Set("PAYPAL-TRANSMISSION-ID", tid)
	req.Header.Set("PAYPAL-TRANSMISSION-SIG", sig)
	req.Header.Set("PAYPAL-TRANSMISSION-TIME", when)
	return req
}

// CaptureResource is the resource of a PAYMENT.CAPTURE.* event for an order's capture.
func (s *Server) CaptureResource(orderID string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[orderID]
	if o == nil || o.Capture == nil {
		return nil
	}
	c := o.Capture
	return map[string]any{
		"id": c.ID, "status": c.Status, "amount": map[string]string{"currency_code": c.Currency, "value": c.Value},
		"supplementary_data": map[string]any{"related_ids": map[string]string{"order_id": o.ID}},
	}
}

// DenyPending declines a capture that was PENDING (as PayPal may do later).
func (s *Server) DenyPending(orderID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o := s.orders[orderID]; o != nil && o.Capture != nil && o.Capture.Status == "PENDING" {
		o.Capture.Status = "DECLINED"
	}
}

// CompletePending completes a capture that was PENDING (as PayPal does later).
func (s *Server) CompletePending(orderID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o := s.orders[orderID]; o != nil && o.Capture != nil && o.Capture.Status == "PENDING" {
		o.Capture.Status = "COMPLETED"
	}
}

// OrderResource is the resource of a CHECKOUT.ORDER.APPROVED event.
func (s *Server) OrderResource(orderID string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o := s.orders[orderID]; o != nil {
		return s.orderJSON(o)
	}
	return nil
}
