package bot

import (
	"strconv"
)

// bookOfflineNamed is /book followed by a client without Telegram's name
// or phone: one found is booked for, several are listed to choose from.
// false when none matched (or the store keeps none).
func (c *turn) bookOfflineNamed(who string) bool {
	st, ok := c.offlineStore()
	if !ok {
		return false
	}
	found, err := st.FindOfflineClients(c.ctx, who, c.practice.Clients.CountryCode, 8)
	if err != nil {
		c.fail("find client", err)
		return true
	}

	switch len(found) {
	case 0:
		return false
	case 1:
		c.bookFor(found[0].ID)
		return true
	}
	var kb [][]Button
	for _, o := range found {
		kb = append(kb, []Button{{Text: o.Name + " · " + o.Phone, Data: cb(vForClient, strconv.FormatInt(o.ID, 10))}})
	}
	c.show(c.t("client_offline.found", map[string]any{"Count": len(found), "Query": esc(who)}), kb)
	return true
}
