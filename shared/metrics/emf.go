package metrics

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

// MaxEMFMetrics is the most metrics one EMF object may declare.
const MaxEMFMetrics = 100

// WriteEMF writes datums as CloudWatch Embedded Metric Format: JSON objects,
// one a line, that CloudWatch Logs turns into metrics in the region whose log
// group receives them (the function's own region, when w is a Lambda's stdout).
//
// Datums with the same timestamp and dimensions share an object, up to
// MaxEMFMetrics metrics and each metric name once per object; every datum
// appears in exactly one object. It returns how many datums were written; a
// datum that EMF cannot express (no timestamp, no value, a metric named like
// one of its dimensions) is reported in the error, never skipped silently.
func WriteEMF(w io.Writer, namespace string, datums []types.MetricDatum) (int, error) {
	var errs []error
	written := 0
	var line bytes.Buffer
	for _, obj := range emfObjects(datums, &errs) {
		line.Reset()
		if err := obj.encode(&line, namespace, datums); err != nil {
			errs = append(errs, err)
			continue
		}
		line.WriteByte('\n')
		// One Write per line: lines from concurrent writers never interleave.
		if _, err := w.Write(line.Bytes()); err != nil {
			errs = append(errs, fmt.Errorf("writing EMF: %w", err))
			continue
		}
		written += len(obj.members)
	}
	return written, errors.Join(errs...)
}

// emfObject is one EMF line: datums (indexes) sharing a timestamp and dimensions.
type emfObject struct {
	timestamp int64 // ms since the epoch
	dims      []types.Dimension
	members   []int
}

// emfObjects groups datums into objects, in the order their groups first appear.
func emfObjects(datums []types.MetricDatum, errs *[]error) []*emfObject {
	var objs []*emfObject
	open := map[string]*emfObject{} // group key -> the group's object still being filled
	names := map[*emfObject]map[string]bool{}
	for i := range datums {
		d := &datums[i]
		name := deref(d.MetricName)
		switch {
		case d.Timestamp == nil:
			*errs = append(*errs, fmt.Errorf("EMF: datum %s has no timestamp", name))
			continue
		case d.Value == nil && len(d.Values) == 0:
			*errs = append(*errs, fmt.Errorf("EMF: datum %s has no value", name))
			continue
		}
		if name == "_aws" || slices.ContainsFunc(d.Dimensions, func(dm types.Dimension) bool { return deref(dm.Name) == name }) {
			*errs = append(*errs, fmt.Errorf("EMF: metric %s is named like a dimension", name))
			continue
		}
		key := groupKey(d)
		obj := open[key]
		if obj == nil || len(obj.members) == MaxEMFMetrics || names[obj][name] {
			obj = &emfObject{timestamp: d.Timestamp.UnixMilli(), dims: d.Dimensions}
			objs = append(objs, obj)
			open[key] = obj
			names[obj] = map[string]bool{}
		}
		obj.members = append(obj.members, i)
		names[obj][name] = true
	}
	return objs
}

// groupKey identifies a timestamp and a dimension set (names and values, in any order).
func groupKey(d *types.MetricDatum) string {
	parts := make([]string, 0, len(d.Dimensions))
	for _, dm := range d.Dimensions {
		parts = append(parts, deref(dm.Name)+"\x00"+deref(dm.Value))
	}
	slices.Sort(parts)
	return fmt.Sprint(d.Timestamp.UnixMilli()) + "\x01" + strings.Join(parts, "\x01")
}

type emfMetric struct {
	Name              string `json:"Name"`
	Unit              string `json:"Unit,omitempty"`
	StorageResolution int32  `json:"StorageResolution,omitempty"`
}

type emfDirective struct {
	Namespace  string      `json:"Namespace"`
	Dimensions [][]string  `json:"Dimensions"`
	Metrics    []emfMetric `json:"Metrics"`
}

type emfMetadata struct {
	Timestamp         int64          `json:"Timestamp"`
	CloudWatchMetrics []emfDirective `json:"CloudWatchMetrics"`
}

// encode writes the object: "_aws" first, then the dimensions, then the values.
func (o *emfObject) encode(b *bytes.Buffer, namespace string, datums []types.MetricDatum) error {
	dimNames := make([]string, len(o.dims))
	for i, dm := range o.dims {
		dimNames[i] = deref(dm.Name)
	}
	dir := emfDirective{Namespace: namespace, Dimensions: [][]string{dimNames}, Metrics: make([]emfMetric, len(o.members))}
	for i, m := range o.members {
		d := &datums[m]
		dir.Metrics[i] = emfMetric{Name: deref(d.MetricName)}
		if d.Unit != "" && d.Unit != types.StandardUnitNone {
			dir.Metrics[i].Unit = string(d.Unit)
		}
		if d.StorageResolution != nil && *d.StorageResolution == 1 {
			dir.Metrics[i].StorageResolution = 1 // high resolution; 60 is the default
		}
	}
	b.WriteString(`{"_aws":`)
	if err := writeJSON(b, emfMetadata{Timestamp: o.timestamp, CloudWatchMetrics: []emfDirective{dir}}); err != nil {
		return err
	}
	for _, dm := range o.dims {
		if err := member(b, deref(dm.Name), deref(dm.Value)); err != nil {
			return err
		}
	}
	for _, m := range o.members {
		d := &datums[m]
		var v any
		if d.Value != nil {
			v = *d.Value
		} else {
			v = d.Values // EMF takes a list of values; counts have no EMF form, so each value counts once
		}
		if err := member(b, deref(d.MetricName), v); err != nil {
			return fmt.Errorf("EMF: datum %s: %w", deref(d.MetricName), err)
		}
	}
	b.WriteByte('}')
	return nil
}

func member(b *bytes.Buffer, key string, v any) error {
	b.WriteByte(',')
	if err := writeJSON(b, key); err != nil {
		return err
	}
	b.WriteByte(':')
	return writeJSON(b, v)
}

func writeJSON(b *bytes.Buffer, v any) error {
	out, err := json.Marshal(v)
	if err != nil {
		return err
	}
	b.Write(out)
	return nil
}
