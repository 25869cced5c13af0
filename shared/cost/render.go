package cost

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/lookout-monitoring/lookout/shared/table"
)

// money formats USD with cents, or with more digits for sub-cent amounts.
func money(v float64) string {
	switch {
	case v == 0:
		return "$0.00"
	case v < 0.01:
		return "$" + strconv.FormatFloat(v, 'f', 4, 64)
	}
	return "$" + strconv.FormatFloat(v, 'f', 2, 64)
}

func quantity(v float64) string {
	if v == float64(int64(v)) {
		return strconv.FormatInt(int64(v), 10)
	}
	if v >= 100 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 3, 64)
}

func unitPrice(v float64) string {
	return "$" + strings.TrimRight(strings.TrimRight(strconv.FormatFloat(v, 'f', 10, 64), "0"), ".")
}

// Write prints the estimate as a readable report.
func (e Estimate) Write(w io.Writer) {
	fmt.Fprintf(w, "Monthly estimate for %s: %d areas x %d locations, a round every %s (%s rounds per location)\n\n",
		e.App, e.Areas, e.Locations, e.Assume.Rate, quantity(e.Rounds))
	rows := [][]string{{"ITEM", "QUANTITY", "UNIT", "UNIT PRICE", "MONTHLY"}}
	for _, l := range e.Lines {
		rows = append(rows, []string{l.Item, quantity(l.Quantity), l.Unit, unitPrice(l.Price), money(l.Monthly)})
	}
	_ = table.Write(w, "", "lrlrr", rows)
	fmt.Fprintf(w, "\nTotal              %s a month\n", money(e.Total))
	fmt.Fprintf(w, "Per area           %s a month (all-in: the total shared by %d areas, %d locations)\n", money(e.PerArea), e.Areas, e.Locations)
	fmt.Fprintf(w, "Each added area    %s a month\n", money(e.PerAddedArea))
	fmt.Fprintf(w, "\nThe same %d areas from %d locations with:\n", e.Areas, e.Locations)
	fmt.Fprintf(w, "  CloudWatch Synthetics  %s a month (%s per canary run, canary compute not included)  %.0fx Lookout\n",
		money(e.Synthetics), unitPrice(e.Prices.SyntheticsRun), e.Synthetics/e.Total)
	fmt.Fprintf(w, "  Route 53 health checks %s a month (one per area: %s + HTTPS, string matching, latency at %s each; single requests only)\n",
		money(e.Route53), unitPrice(e.Prices.Route53Check), unitPrice(e.Prices.Route53Feature))
	fmt.Fprintf(w, "\nNotes:\n")
	for _, l := range e.Lines {
		if l.Note != "" {
			fmt.Fprintf(w, "  %s: %s\n", l.Item, l.Note)
		}
	}
	fmt.Fprintf(w, "  Free tiers are not subtracted. Assumed: %g ms per round at %d MB, %g incident hours a month, %d notifications.\n",
		e.Assume.InvocationMs, e.Assume.MemoryMB, e.Assume.IncidentHours, e.Assume.Notifications)
	fmt.Fprintf(w, "\nPrices: AWS list prices for %s, table dated %s (aws.amazon.com/pricing; check before you rely on them).\n",
		e.Prices.Region, e.Prices.Date)
}
