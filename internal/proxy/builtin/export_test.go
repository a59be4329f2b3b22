package builtin

// inflightOf is the number of requests in flight to an upstream.
func (p *Proxy) inflightOf(addr string) int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := p.inflight[addr]; n != nil {
		return n.Load()
	}
	return 0
}
