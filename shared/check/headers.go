package check

import (
	"fmt"
	"net/textproto"
	"sort"
)

// headerCase refuses header names of one step that differ only in case
// (X-Trace and x-trace): HTTP header names ignore case, so the prober sends
// them as one header and which value wins is left to chance. Each later
// spelling (in file order) is reported at its own line, naming the first.
func (v *validator) headerCase(p string, headers map[string]string) {
	byName := map[string][]string{}
	for k := range headers {
		name := textproto.CanonicalMIMEHeaderKey(k) // as net/http sends it
		byName[name] = append(byName[name], k)
	}
	for _, name := range sortedKeys(byName) {
		spellings := byName[name]
		if len(spellings) < 2 {
			continue
		}
		line := func(k string) int { return v.c.lineOf(p + ".headers." + k) }
		sort.Slice(spellings, func(i, j int) bool {
			li, lj := line(spellings[i]), line(spellings[j])
			return li < lj || li == lj && spellings[i] < spellings[j]
		})
		first := spellings[0]
		for _, k := range spellings[1:] {
			where := ""
			if l := line(first); l != line(k) {
				where = fmt.Sprintf(" (line %d)", l)
			}
			v.add(p+".headers."+k, ErrDuplicate, "%q and %q%s are one header: header names ignore case; keep one spelling", k, first, where)
		}
	}
}
