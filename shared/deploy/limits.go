package deploy

import (
	"errors"
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/lookout-monitoring/lookout/shared/alarm"
	"github.com/lookout-monitoring/lookout/shared/check"
)

// Quotas that CloudFormation, CloudWatch and SAM enforce on what
// template.yaml becomes, and that a checks file could make it exceed. They
// are checked here, before anything is deployed: CloudFormation would find
// them only when it builds the change set, in all four stacks.
const (
	MaxResources       = 500     // resources declared in one template
	MaxParameters      = 200     // parameters declared in one template
	MaxParameterBytes  = 4096    // bytes of one parameter value
	MaxTemplateBytes   = 1 << 20 // template body uploaded to S3 (SAM's resolve_s3), expanded
	MaxAlarmNameBytes  = 255     // PutMetricAlarm AlarmName
	MaxAlarmDescBytes  = 1024    // PutMetricAlarm AlarmDescription
	MaxWidgets         = 500     // widgets on one dashboard
	MaxSeriesPerGraph  = 500     // series one dashboard graph shows
	MaxDashboardSeries = 2500    // metrics on one dashboard
)

// The template's shape (template.yaml, area-alarms.yaml, the dashboard);
// TestQuotas expands both templates and fails when these drift from them.
const (
	// AreaChunks is how many nested alarm stacks template.yaml declares
	// (AreaAlarms01 ... AreaAlarms32, parameters AreaIds01 ... AreaIds32).
	AreaChunks = 32
	// MaxAreasPerChunk keeps a chunk's stack at 2 alarms per area, 400
	// resources, with room to spare under 500.
	MaxAreasPerChunk = 200
	// AlarmsPerArea are the resources area-alarms.yaml stamps per area (Down, Slow).
	AlarmsPerArea = 2
	// fixedResources are the resources of template.yaml that do not depend on
	// the checks file (functions, roles, schedules, topics, the ledger table, dashboard,
	// notifier alarms) plus the AreaChunks nested stacks, all declared in
	// every stack.
	fixedResources = 26 + AreaChunks
	// fixedParameters are the parameters template.yaml declares (19, and one
	// per chunk): their number does not grow with the checks file.
	fixedParameters = 19 + AreaChunks
	// DashboardTopN is how many series each per-area graph of the dashboard
	// shows: the worst, by a Metrics Insights query with ORDER BY and LIMIT.
	DashboardTopN = 50
	// dashboardWidgets are the dashboard's widgets (a fixed layout).
	dashboardWidgets = 9
	// topNGraphs are the dashboard graphs drawn by a top-N query.
	topNGraphs = 5
	// fixedDashboardSeries are the notifier graph's three metrics.
	fixedDashboardSeries = 3
)

// ErrQuota marks a checks file whose stacks CloudFormation, CloudWatch or
// SAM would refuse.
var ErrQuota = errors.New("over a deploy quota")

// Chunk is one nested alarm stack's share of the areas; chunk i (from 1) is
// given as parameter ChunkParam(i) to stack AreaAlarms<i>.
type Chunk struct {
	AreaIDs []string // in the checks file's order
}

// ChunkParam is chunk i's template parameter (AreaIds07); its nested stack
// is AreaAlarms07.
func ChunkParam(i int) string { return fmt.Sprintf("AreaIds%02d", i) }

// Value is the chunk's parameter value: its ids, comma-separated ("" when
// empty: the stack is not created). Area ids hold no commas.
func (c Chunk) Value() string { return strings.Join(c.AreaIDs, ",") }

// fits says whether one more area fits the chunk's stack and parameter.
func (c Chunk) fits(id string) bool {
	if len(c.AreaIDs) >= MaxAreasPerChunk {
		return false
	}
	n := len(c.Value()) + len(id)
	if len(c.AreaIDs) > 0 {
		n++ // the comma
	}
	return n <= MaxParameterBytes
}

// ChunkAreas places every area in one of AreaChunks chunks. The chunk is
// chosen by a hash of the area's id, so an area stays in its chunk (its
// alarms in their nested stack) when others are added, removed or
// reordered: an alarm moving between two nested stacks in one update would
// be created by one before the other deletes it. Only when its chunk is full
// does an area go to the next chunk with room. It fails when every chunk is
// full.
func ChunkAreas(ids []string) ([AreaChunks]Chunk, error) {
	var (
		chunks [AreaChunks]Chunk
		placed int
	)
	for _, id := range ids {
		h := fnv.New32a()
		h.Write([]byte(id))
		home := int(h.Sum32() % AreaChunks)
		ok := false
		for probe := range AreaChunks {
			c := &chunks[(home+probe)%AreaChunks]
			if c.fits(id) {
				c.AreaIDs = append(c.AreaIDs, id)
				ok = true
				break
			}
		}
		if !ok {
			return chunks, fmt.Errorf("%w: %d areas do not fit the template's %d alarm stacks (each at most %d areas and %d bytes of ids); %d fitted",
				ErrQuota, len(ids), AreaChunks, MaxAreasPerChunk, MaxParameterBytes, placed)
		}
		placed++
	}
	return chunks, nil
}

// Figures are what one location's stack holds, against the quotas.
type Figures struct {
	Areas            int
	Resources        int    // declared in template.yaml (every stack)
	ChunkResources   int    // declared in the fullest nested alarm stack
	Parameters       int    // declared in template.yaml
	LargestParameter string // the largest parameter value's name
	LargestBytes     int    // and its size in bytes
	LongestAlarm     string // the longest alarm name
	Widgets          int    // on the dashboard
	DashboardSeries  int    // at most, on the dashboard
	MaxGraphSeries   int    // at most, in one graph
	TopNGraphs       int    // graphs that show only the DashboardTopN worst series
	// Chunks are the areas as the nested alarm stacks hold them.
	Chunks [AreaChunks]Chunk
}

// Measure computes the figures of the stacks a checks file deploys and
// refuses, naming the quota and the number, anything over a quota.
func Measure(cfg *check.Config) (Figures, error) {
	var errs []error
	over := func(what string, got, limit int, fix string) {
		if got > limit {
			if fix != "" {
				fix = "; " + fix
			}
			errs = append(errs, fmt.Errorf("%w: %s: %d, over the limit of %d%s", ErrQuota, what, got, limit, fix))
		}
	}
	f := Figures{Areas: len(cfg.Areas), Widgets: dashboardWidgets, TopNGraphs: topNGraphs}
	chunks, err := ChunkAreas(areaIDs(cfg))
	f.Chunks = chunks
	if err != nil {
		errs = append(errs, fmt.Errorf("%w (remove or merge areas, or shorten their ids)", err))
	}
	locations := len(cfg.Locations)
	f.Resources = fixedResources + locations // one Silent alarm per location
	f.Parameters = fixedParameters
	for _, c := range chunks {
		f.ChunkResources = max(f.ChunkResources, AlarmsPerArea*len(c.AreaIDs))
	}
	over("resources in each location's stack", f.Resources, MaxResources, "use fewer locations")
	over("resources in the fullest alarm stack", f.ChunkResources, MaxResources, "use fewer areas")
	over("parameters of the template", f.Parameters, MaxParameters, "")

	// Every parameter value deploy-params would give, the largest named.
	if p, err := params(cfg, cfg.HomeRegion, chunks); err == nil {
		for _, o := range p.Overrides() {
			if len(o.Value) > f.LargestBytes {
				f.LargestParameter, f.LargestBytes = o.Key, len(o.Value)
			}
			over("bytes of parameter "+o.Key, len(o.Value), MaxParameterBytes, "shorten the values it is made of")
		}
	}

	for _, s := range alarm.Alarms(cfg) {
		name := s.Name.String()
		if len(name) > len(f.LongestAlarm) {
			f.LongestAlarm = name
		}
		over("bytes of alarm name "+name, len(name), MaxAlarmNameBytes, "shorten the app name, area id or location label")
		over("bytes of the description of alarm "+name, len(s.Description), MaxAlarmDescBytes, "shorten the area's name")
	}

	// The heartbeat graph draws two series per location (heartbeats,
	// abstentions); the per-area graphs the DashboardTopN worst each.
	f.MaxGraphSeries = max(DashboardTopN, 2*locations, fixedDashboardSeries)
	f.DashboardSeries = topNGraphs*DashboardTopN + 2*locations + fixedDashboardSeries
	over("widgets on the dashboard", f.Widgets, MaxWidgets, "")
	over("series in one dashboard graph", f.MaxGraphSeries, MaxSeriesPerGraph, "use fewer locations")
	over("metrics on the dashboard", f.DashboardSeries, MaxDashboardSeries, "use fewer locations")
	return f, errors.Join(errs...)
}
