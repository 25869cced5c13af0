package deploy

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/lookout-monitoring/lookout/shared/check"
	"github.com/lookout-monitoring/lookout/shared/maintenance"
)

// maxMaintenanceText keeps the dashboard's maintenance line within the
// template parameter's MaxLength (4,000 bytes, under the 4,096 quota).
const maxMaintenanceText = 4000

// MaintenanceText is the checks file's maintenance windows in one line of
// words, for the dashboard: "weeklyDB (Boards, Cards) every sun at 02:00
// Europe/London for 2h: Weekly database patching. nightly (the whole app)
// ...". It holds no double quote, backslash or control character (it goes
// through `sam deploy --parameter-overrides` into a JSON string), and is cut
// at a window's end, counting the rest, to fit the parameter.
func MaintenanceText(cfg *check.Config) string {
	if len(cfg.Maintenance) == 0 {
		return "none in the checks file."
	}
	var parts []string
	for _, m := range cfg.Maintenance {
		scope := "the whole app"
		if len(m.Areas) > 0 {
			scope = strings.Join(m.Areas, ", ")
		}
		parts = append(parts, plain(fmt.Sprintf("%s (%s) %s: %s.", m.ID, scope, maintenance.Describe(m), m.Reason)))
	}
	out := ""
	for i, p := range parts {
		more := ""
		if i+1 < len(parts) {
			more = fmt.Sprintf(" And %d more: lookout validate lists them.", len(parts)-i-1)
		}
		next := strings.TrimSpace(out + " " + p)
		if len(next)+len(more) > maxMaintenanceText {
			return strings.TrimSpace(out + fmt.Sprintf(" And %d more: lookout validate lists them.", len(parts)-i))
		}
		out = next
	}
	return out
}

// plain makes s safe for a SAM parameter inside a JSON string: double quotes
// become single ones, backslashes slashes, control characters spaces.
func plain(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '"':
			return '\''
		case r == '\\':
			return '/'
		case unicode.IsControl(r):
			return ' '
		}
		return r
	}, s)
}
