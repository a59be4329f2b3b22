package events

import (
	"slices"
	"sync"
	"testing"
)

func TestBusFansOutInOrderUntilUnsubscribed(t *testing.T) {
	var b Bus
	var got []string
	first := b.Subscribe(func(e Event) { got = append(got, "router "+string(e.Kind)) })
	b.Subscribe(func(e Event) { got = append(got, "dns "+string(e.Kind)) })
	b.Publish(Event{Kind: ConsumersChanged, Subject: "proxy", ID: 1})
	first()
	first() // twice is harmless
	b.Publish(Event{Kind: SettingsChanged, Subject: "settings"})
	want := []string{"router consumers_changed", "dns consumers_changed", "dns settings_changed"}
	if !slices.Equal(got, want) {
		t.Fatalf("delivered %v, want %v", got, want)
	}
}

func TestBusConcurrentPublishAndSubscribe(t *testing.T) {
	var b Bus
	var mu sync.Mutex
	n := 0
	b.Subscribe(func(Event) { mu.Lock(); n++; mu.Unlock() })
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				b.Publish(Event{Kind: ConsumersChanged})
				unsub := b.Subscribe(func(Event) {})
				unsub()
			}
		})
	}
	wg.Wait()
	if n != 800 {
		t.Fatalf("the first subscriber got %d events, want 800", n)
	}
}
