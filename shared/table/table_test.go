package table_test

import (
	"strings"
	"testing"

	"github.com/lookout-monitoring/lookout/shared/table"
)

func TestWrite(t *testing.T) {
	var b strings.Builder
	if err := table.Write(&b, "> ", "lr", [][]string{
		{"AREA", "MS", "NOTE"},
		{"SignIn", "12.3", "ok"},
		{"Zürich", "1200.0", "slow, too"},
	}); err != nil {
		t.Fatal(err)
	}
	want := "> AREA        MS  NOTE\n" +
		"> SignIn    12.3  ok\n" +
		"> Zürich  1200.0  slow, too\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}
