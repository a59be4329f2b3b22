package auth

import (
	"container/list"
	"sync"
	"time"
)

// Limiter slows down repeated failed logins. Each key (a user name, a client
// address) has its own allowance: after Max attempts within Window that did
// not end in a success, the key is locked for Lock, doubling with each
// further attempt up to MaxLock.
//
// An attempt is counted when it is reserved, before the password is checked:
// checking is the slow part (bcrypt), and counting only after it let a burst
// of parallel guesses all pass the check of the count. A success resets the
// key.
//
// At most MaxEntries keys are tracked, whatever the number of client
// addresses: when full, stale keys go first, then keys that are not locked,
// and a locked key only when every key looked at is locked.
type Limiter struct {
	Window     time.Duration
	Lock       time.Duration
	MaxLock    time.Duration
	MaxEntries int
	Now        func() time.Time

	mu      sync.Mutex
	entries map[string]*list.Element // of *limitEntry
	order   list.List                // least recently added or looked at first
}

// Key is what an attempt counts against, with the attempts it allows.
type Key struct {
	Name string
	Max  int
}

type limitEntry struct {
	name     string
	attempts int
	first    time.Time
	until    time.Time
}

// evictScan is how many of the oldest entries a full limiter looks at to
// choose one to drop: enough to step over a few locked ones, few enough to
// keep an insertion O(1).
const evictScan = 64

// NewLimiter returns a limiter with the defaults documented in docs/api.md.
func NewLimiter() *Limiter {
	return &Limiter{Window: 15 * time.Minute, Lock: 30 * time.Second, MaxLock: 15 * time.Minute,
		MaxEntries: 10000, Now: time.Now}
}

// Reserve counts one attempt against every key and returns 0; or, when a
// key is locked, it counts nothing and returns how long to wait. The
// attempt that reaches a key's Max is let through but locks the key for
// everyone after it.
func (l *Limiter) Reserve(keys ...Key) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.Now()
	var wait time.Duration
	for _, k := range keys {
		if e := l.live(k.Name, now); e != nil {
			wait = max(wait, e.until.Sub(now))
		}
	}
	if wait > 0 {
		return wait
	}
	for _, k := range keys {
		e := l.live(k.Name, now)
		if e == nil {
			e = l.add(k.Name, now)
		}
		e.attempts++
		if over := e.attempts - k.Max; over >= 0 {
			lock := l.Lock << min(over, 20)
			if lock > l.MaxLock || lock <= 0 {
				lock = l.MaxLock
			}
			e.until = now.Add(lock)
		}
	}
	return 0
}

// Reset forgets keys' attempts, after a successful login.
func (l *Limiter) Reset(names ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, n := range names {
		if el := l.entries[n]; el != nil {
			l.remove(el)
		}
	}
}

// Len is the number of keys tracked.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.entries)
}

// live returns the entry of name unless it has none or its attempts no
// longer count (outside the window and not locked); such an entry is
// dropped.
func (l *Limiter) live(name string, now time.Time) *limitEntry {
	el := l.entries[name]
	if el == nil {
		return nil
	}
	e := el.Value.(*limitEntry)
	if l.stale(e, now) {
		l.remove(el)
		return nil
	}
	return e
}

func (l *Limiter) stale(e *limitEntry, now time.Time) bool {
	return now.Sub(e.first) > l.Window && now.After(e.until)
}

func (l *Limiter) add(name string, now time.Time) *limitEntry {
	if l.entries == nil {
		l.entries = map[string]*list.Element{}
	}
	if len(l.entries) >= max(l.MaxEntries, 1) {
		l.evict(now)
	}
	e := &limitEntry{name: name, first: now}
	l.entries[name] = l.order.PushBack(e)
	return e
}

// evict drops one of the oldest entries: a stale one, else one that is not
// locked, else the one whose lock ends first. Locked entries looked at move
// to the back, so the next look starts with others.
func (l *Limiter) evict(now time.Time) {
	var victim *list.Element
	var locked []*list.Element
	el := l.order.Front()
	for i := 0; el != nil && i < evictScan; i++ {
		next := el.Next()
		e := el.Value.(*limitEntry)
		if l.stale(e, now) || !now.Before(e.until) {
			victim = el
			break
		}
		if victim == nil || e.until.Before(victim.Value.(*limitEntry).until) {
			victim = el
		}
		locked = append(locked, el)
		el = next
	}
	for _, el := range locked {
		if el != victim {
			l.order.MoveToBack(el)
		}
	}
	if victim != nil {
		l.remove(victim)
	}
}

func (l *Limiter) remove(el *list.Element) {
	delete(l.entries, el.Value.(*limitEntry).name)
	l.order.Remove(el)
}
