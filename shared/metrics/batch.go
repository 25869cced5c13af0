package metrics

import "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

// PutMetricData limits: at most 1,000 datums and 1 MB per request.
const (
	MaxBatchDatums = 1000
	MaxBatchBytes  = 1_000_000 // 1 MB as CloudWatch counts it, below 1 MiB to be safe
)

// requestOverhead covers the parts of a request that are not datums: the
// action, version and a namespace of up to 255 characters, each escaped.
const requestOverhead = 2048

// Batches splits datums into PutMetricData requests of at most MaxBatchDatums
// datums and MaxBatchBytes bytes, in order. The batches share datums' backing
// array. Sizes are estimated for the most verbose wire form the SDK can use
// (the query protocol, every character percent-escaped), so an estimate is
// never below the real request whatever the protocol: JSON and CBOR are smaller.
func Batches(datums []types.MetricDatum) [][]types.MetricDatum {
	if len(datums) == 0 {
		return nil
	}
	out := make([][]types.MetricDatum, 0, len(datums)/MaxBatchDatums+1)
	start, size := 0, requestOverhead
	for i := range datums {
		n := estimateSize(&datums[i])
		if i > start && (i-start == MaxBatchDatums || size+n > MaxBatchBytes) {
			out = append(out, datums[start:i:i])
			start, size = i, requestOverhead
		}
		size += n
	}
	return append(out, datums[start:])
}

// Per-field upper bounds of the query encoding, e.g.
// "&MetricData.member.1000.Dimensions.member.30.Value=" is 51 bytes.
const (
	datumFixed  = 400 // member prefixes of name, timestamp, value, unit, storage resolution; their values but the name
	perDim      = 110 // the two member prefixes of a dimension's name and value
	perValue    = 80  // one entry of Values or Counts, with its prefix
	statsValues = 320 // the four StatisticValues, with their prefixes
	escape      = 3   // a byte percent-escaped is three bytes
)

// estimateSize is an upper bound of one datum's share of a request.
func estimateSize(d *types.MetricDatum) int {
	n := datumFixed + escape*len(deref(d.MetricName))
	for _, dm := range d.Dimensions {
		n += perDim + escape*(len(deref(dm.Name))+len(deref(dm.Value)))
	}
	n += perValue * (len(d.Values) + len(d.Counts))
	if d.StatisticValues != nil {
		n += statsValues
	}
	return n
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
