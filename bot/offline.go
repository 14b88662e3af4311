package bot

import (
	"strconv"
	"strings"

	"github.com/tori-bot/tori"
)

// offlineStore is the store of clients without Telegram, when the
// bookings' store keeps them. This file is the practice's side of them:
// adding one (a name, then a phone number, typed as a note is), finding
// one from /client, their card's invite link, and erasing one.
func (c *turn) offlineStore() (tori.OfflineStore, bool) {
	st, ok := c.bookings.Store.(tori.OfflineStore)
	return st, ok
}

// findOffline looks arg up among the clients without Telegram, by name or
// phone: one found is shown, several listed. false when none matched.
func (c *turn) findOffline(arg string) bool {
	return c.pickOffline(arg, vAdminClient, c.clientHistory)
}

// pickOffline finds the clients without Telegram whose name or phone
// matches arg: one found goes to one, several are listed as buttons of
// verb to choose from. false when none matched (or the store keeps none).
func (c *turn) pickOffline(arg, verb string, one func(id int64)) bool {
	st, ok := c.offlineStore()
	if !ok {
		return false
	}
	found, err := st.FindOfflineClients(c.ctx, arg, c.practice.Clients.CountryCode, 8)
	if err != nil {
		c.fail("find client", err)
		return true
	}

	switch len(found) {
	case 0:
		return false
	case 1:
		one(found[0].ID)
		return true
	}
	var kb [][]Button
	for _, o := range found {
		kb = append(kb, []Button{{Text: o.Name + " · " + o.Phone, Data: cb(verb, strconv.FormatInt(o.ID, 10))}})
	}
	c.show(c.t("client_offline.found", map[string]any{"Count": len(found), "Query": esc(arg)}), kb)
	return true
}

// newClientAsk starts adding a client without Telegram: their name first.
func (c *turn) newClientAsk() {
	if _, ok := c.offlineStore(); !ok {
		c.refuseAdmin("new client")
		return
	}
	c.saveState(c.ctx, c.in.User.ChatID, state{NewClient: "name"})
	c.show(c.t("client_offline.ask_name", nil), nil)
}

// newClientText takes the admin's text at a step of adding a client: the
// name, then the phone, then the record is kept and its card shown. A text
// that will not do is asked for again, saying what to type.
func (c *turn) newClientText(st state) {
	text := strings.TrimSpace(c.in.Text)
	if st.NewClient == "name" {
		name, err := tori.OfflineName(text)
		if err != nil {
			c.show(c.t("client_offline.bad_name", nil), nil)
			return
		}
		c.saveState(c.ctx, c.in.User.ChatID, state{NewClient: "phone", ClientName: name})
		c.show(c.t("client_offline.ask_phone", map[string]any{"Name": iso(c.lang, name)}), nil)
		return
	}

	o, err := tori.NewOfflineClient(st.ClientName, text, c.practice.Clients)
	if err != nil {
		c.show(c.t("client_offline.bad_phone", nil), nil)
		return
	}
	store, _ := c.offlineStore()
	kept, err := store.CreateOfflineClient(c.ctx, o, c.now)
	if err != nil {
		c.refuse("new client", err, refusals{tori.ECONFLICT: func() { c.phoneTaken(kept) }})
		return
	}
	c.saveState(c.ctx, c.in.User.ChatID, state{})
	c.clientHistory(kept.ID)
}

// phoneTaken says the phone typed is a client's already kept, with their card.
func (c *turn) phoneTaken(o tori.OfflineClient) {
	c.saveState(c.ctx, c.in.User.ChatID, state{})
	c.show(c.t("client_offline.phone_taken", map[string]any{"Name": iso(c.lang, o.Name), "Phone": ltr(c.lang, o.Phone)}),
		[][]Button{{{Text: c.t("button.admin_client", nil), Data: cb(vAdminClient, strconv.FormatInt(o.ID, 10))}}})
}

// offlineRecord loads a client without Telegram's record; one not kept is
// answered as an unknown client.
func (c *turn) offlineRecord(id int64) (tori.OfflineClient, bool) {
	st, ok := c.offlineStore()
	if !ok {
		c.show(c.t("admin.client_unknown", map[string]any{"Who": esc("#" + strconv.FormatInt(id, 10))}), nil)
		return tori.OfflineClient{}, false
	}
	o, err := st.OfflineClient(c.ctx, id)
	if err != nil {
		c.refuse("client record", err, refusals{tori.ENOTFOUND: func() {
			c.show(c.t("admin.client_unknown", map[string]any{"Who": esc("#" + strconv.FormatInt(id, 10))}), nil)
		}})
		return tori.OfflineClient{}, false
	}
	return o, true
}

// historyOf is whose history /client shows for id: a client without
// Telegram's record (rec), or, once they attached, the Telegram client
// they became. false when the record is not kept (answered).
func (c *turn) historyOf(id int64) (int64, tori.OfflineClient, bool) {
	if !tori.IsOfflineClient(id) {
		return id, tori.OfflineClient{}, true
	}
	rec, ok := c.offlineRecord(id)
	if ok && rec.Became != 0 { // their bookings are the Telegram client's now
		return rec.Became, rec, true
	}
	return id, rec, ok
}

// offlineCard is what a client without Telegram's card adds to their
// history: the mark and phone, and the buttons to invite or erase them.
func (c *turn) offlineCard(o tori.OfflineClient) (string, []Button) {
	id := strconv.FormatInt(o.ID, 10)
	text := "\n\n" + c.t("client_offline.card", map[string]any{"Phone": ltr(c.lang, o.Phone)})
	row := []Button{{Text: c.t("button.client_invite", nil), Data: cb(vClientInvite, id)}}
	if c.managesAll() {
		row = append(row, Button{Text: c.t("button.client_forget", nil), Data: cb(vClientForget, id)})
	}
	return text, row
}

// inviteLink makes a client without Telegram's invite link, for the
// practice to forward by SMS or WhatsApp: one use, until the time shown.
func (c *turn) inviteLink(id int64) {
	o, ok := c.offlineRecord(id)
	if !ok {
		return
	}
	if o.Became != 0 || c.username == "" {
		c.clientHistory(id)
		return
	}
	st, _ := c.offlineStore()
	inv, err := st.NewInvite(c.ctx, id, c.now.Add(c.practice.Clients.InviteValid), c.now)
	if err != nil {
		c.refuse("invite", err, refusals{tori.ECONFLICT: func() { c.clientHistory(id) }})
		return
	}
	link := "https://t.me/" + c.username + "?start=" + inv.Token
	c.show(c.t("client_offline.invite", map[string]any{
		"Name": iso(c.lang, o.Name), "Link": ltr(c.lang, esc(link)), "Until": c.when(c.lang, inv.Until),
	}), [][]Button{{{Text: c.t("button.admin_client", nil), Data: cb(vAdminClient, strconv.FormatInt(id, 10))}}})
}

// forgetClientAsk asks before erasing a client without Telegram.
func (c *turn) forgetClientAsk(id int64) {
	o, ok := c.offlineRecord(id)
	if !ok {
		return
	}
	cid := strconv.FormatInt(id, 10)
	c.show(c.t("client_offline.forget_ask", map[string]any{"Name": iso(c.lang, o.Name)}), [][]Button{
		{{Text: c.t("button.client_forget_do", nil), Data: cb(vClientForgot, cid)}},
		{{Text: c.t("button.admin_client", nil), Data: cb(vAdminClient, cid)}},
	})
}

// forgetClient erases a client without Telegram: their personal details in
// appointments go by the erasure every client has (money records kept
// anonymised), then the record with their name and phone. A practice-wide
// record: for whoever manages every calendar.
func (c *turn) forgetClient(id int64) {
	if !c.managesAll() || !tori.IsOfflineClient(id) || c.privacyUC() == nil {
		c.refuseAdmin("forget client " + strconv.FormatInt(id, 10))
		return
	}
	o, ok := c.offlineRecord(id)
	if !ok {
		return
	}

	er, err := c.privacyUC().Erase(c.ctx, tori.Client{ID: id, Lang: c.practice.Language})
	if err != nil {
		c.fail("forget client", err)
		return
	}
	if len(er.Blocked) > 0 {
		c.show(c.t("client_offline.forget_blocked", map[string]any{"Name": iso(c.lang, o.Name), "Count": len(er.Blocked)}),
			[][]Button{{{Text: c.t("button.admin_client", nil), Data: cb(vAdminClient, strconv.FormatInt(id, 10))}}})
		return
	}

	st, _ := c.offlineStore()
	if err := st.ForgetOfflineClient(c.ctx, id); err != nil {
		c.fail("forget client", err)
		return
	}
	c.show(c.t("client_offline.forgotten", nil), nil)
}

// untold is what the practice is to know of a change the client was not
// told of: a client without Telegram, whom the bot never messages, is to
// be called. "" for any other client.
func (c *turn) untold(a tori.Appointment) string {
	if !a.Client.Offline() {
		return ""
	}
	o, ok := c.offlineRecordQuiet(a.Client.ID)
	return "\n\n" + c.t("client_offline.untold", map[string]any{"Name": iso(c.lang, a.Client.Name), "Phone": ltr(c.lang, o.Phone), "Known": ok})
}

// offlineRecordQuiet loads a record, or says nothing when it is gone.
func (c *turn) offlineRecordQuiet(id int64) (tori.OfflineClient, bool) {
	st, ok := c.offlineStore()
	if !ok {
		return tori.OfflineClient{}, false
	}
	o, err := st.OfflineClient(c.ctx, id)
	return o, err == nil
}
