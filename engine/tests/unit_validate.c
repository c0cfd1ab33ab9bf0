/* Unit tests of replay response validation (validate.c): answers paired
 * with their requests (ICMP id/seq, DNS id, TCP ack, the n-th answer on a
 * UDP 5-tuple with the n-th request), matched / different / unexpected /
 * duplicate / missing, differences named field by field, loops, rules,
 * ARP requests for the replay's addresses. No DPDK. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "validate.h"
#include "csum.h"
#include "net.h"

#define CLI 0xc612c801u /* 198.18.200.1 */
#define SRV 0xc612c802u /* 198.18.200.2 */
static const uint8_t MAC_C[6] = { 2, 0, 0, 0, 0, 1 }, MAC_S[6] = { 2, 0, 0, 0, 0, 2 };

struct fr { uint8_t b[256]; uint32_t len; };

/* Ethernet + IPv4 + l4 (l4len bytes from l4, checksums computed). */
static void ipv4(struct fr *f, int from_client, uint8_t proto, const uint8_t *l4, size_t l4len)
{
	memset(f, 0, sizeof(*f));
	memcpy(f->b, from_client ? MAC_S : MAC_C, 6);
	memcpy(f->b + 6, from_client ? MAC_C : MAC_S, 6);
	wr16(f->b + 12, ETHERTYPE_IPV4);
	uint8_t *ip = f->b + ETH_HLEN;
	ip[0] = 0x45;
	wr16(ip + 2, (uint16_t)(IPV4_HLEN + l4len));
	ip[8] = 64;
	ip[9] = proto;
	wr32(ip + 12, from_client ? CLI : SRV);
	wr32(ip + 16, from_client ? SRV : CLI);
	memcpy(ip + IPV4_HLEN, l4, l4len);
	ipv4_set_csum(ip);
	l4_set_csum(ip);
	f->len = (uint32_t)(ETH_HLEN + IPV4_HLEN + l4len);
	if (f->len < 60)
		f->len = 60;
}

static void echo(struct fr *f, int request, uint16_t id, uint16_t seq, const char *data)
{
	uint8_t l4[64] = { request ? 8 : 0, 0 };
	wr16(l4 + 4, id);
	wr16(l4 + 6, seq);
	size_t n = strlen(data);
	memcpy(l4 + 8, data, n);
	ipv4(f, request, IPPROTO_ICMP_, l4, 8 + n);
}

static void udp(struct fr *f, int from_client, uint16_t cport, uint16_t sport, const uint8_t *pl, size_t n)
{
	uint8_t l4[200] = { 0 };
	wr16(l4, from_client ? cport : sport);
	wr16(l4 + 2, from_client ? sport : cport);
	wr16(l4 + 4, (uint16_t)(8 + n));
	memcpy(l4 + 8, pl, n);
	ipv4(f, from_client, IPPROTO_UDP_, l4, 8 + n);
}

/* www.example.com A query, or its answer with address a (0: NXDOMAIN, no answer) */
static void dns(struct fr *f, int query, uint16_t id, uint32_t a)
{
	static const uint8_t q[] = "\3www\7example\3com";
	uint8_t m[120] = { 0 };
	wr16(m, id);
	wr16(m + 2, query ? 0x0100 : a ? 0x8180 : 0x8183);
	wr16(m + 4, 1);
	wr16(m + 6, !query && a);
	size_t n = DNS_HLEN;
	memcpy(m + n, q, sizeof(q));
	n += sizeof(q);
	wr16(m + n, 1);
	wr16(m + n + 2, 1);
	n += 4;
	if (!query && a) {
		wr16(m + n, 0xc00c);
		wr16(m + n + 2, 1);
		wr16(m + n + 4, 1);
		wr32(m + n + 6, 60);
		wr16(m + n + 10, 4);
		wr32(m + n + 12, a);
		n += 16;
	}
	udp(f, query, 40000, 53, m, n);
}

static void tcp(struct fr *f, int from_client, uint32_t seq, uint32_t ack, uint8_t flags)
{
	uint8_t l4[20] = { 0 };
	wr16(l4, from_client ? 40001 : 80);
	wr16(l4 + 2, from_client ? 80 : 40001);
	wr32(l4 + 4, seq);
	wr32(l4 + 8, ack);
	l4[12] = 5 << 4;
	l4[13] = flags;
	wr16(l4 + 14, 64240);
	ipv4(f, from_client, IPPROTO_TCP_, l4, 20);
}

static void arp_request(struct fr *f, uint32_t spa, uint32_t tpa)
{
	memset(f, 0, sizeof(*f));
	memset(f->b, 0xff, 6);
	memcpy(f->b + 6, MAC_S, 6);
	wr16(f->b + 12, ETHERTYPE_ARP);
	uint8_t *a = f->b + ETH_HLEN;
	wr16(a, 1);
	wr16(a + 2, ETHERTYPE_IPV4);
	a[4] = 6;
	a[5] = 4;
	wr16(a + 6, 1);
	memcpy(a + 8, MAC_S, 6);
	wr32(a + 14, spa);
	wr32(a + 24, tpa);
	f->len = 60;
}

enum { R_ECHO1, R_ECHO2, R_DNS, R_UDP1, R_UDP2, R_SYN, R_ACK, N_REQ };
static struct fr req[N_REQ];
static struct vframe vreq[N_REQ];

static void requests(void)
{
	echo(&req[R_ECHO1], 1, 7, 1, "ping-1");
	echo(&req[R_ECHO2], 1, 7, 2, "ping-2");
	dns(&req[R_DNS], 1, 0x1111, 0);
	udp(&req[R_UDP1], 1, 40002, 7, (const uint8_t *)"first", 5);
	udp(&req[R_UDP2], 1, 40002, 7, (const uint8_t *)"second", 6);
	tcp(&req[R_SYN], 1, 1000, 0, 0x02);
	tcp(&req[R_ACK], 1, 1001, 5001, 0x10); /* a bare ACK asks nothing */
	for (int i = 0; i < N_REQ; i++)
		vreq[i] = (struct vframe){ req[i].b, req[i].len };
}

/* the recorded answers: echo 1 and 2, DNS A 198.18.0.10, both UDP echoes, SYN-ACK */
enum { A_ECHO1, A_ECHO2, A_DNS, A_UDP1, A_UDP2, A_SYNACK, N_ANS };
static struct fr ans[N_ANS];
static void answers(void)
{
	echo(&ans[A_ECHO1], 0, 7, 1, "ping-1");
	echo(&ans[A_ECHO2], 0, 7, 2, "ping-2");
	dns(&ans[A_DNS], 0, 0x1111, 0xc612000a);
	udp(&ans[A_UDP1], 0, 40002, 7, (const uint8_t *)"first", 5);
	udp(&ans[A_UDP2], 0, 40002, 7, (const uint8_t *)"second", 6);
	tcp(&ans[A_SYNACK], 0, 5000, 1001, 0x12);
}

static void load(struct validator *v)
{
	char err[100];
	CHECK_EQ(validator_init(v, vreq, N_REQ, 64, err, sizeof(err)), 0);
	for (int i = 0; i < N_ANS; i++)
		CHECK_EQ(validator_expect(v, ans[i].b, ans[i].len, (uint32_t)i + 1, VF_DEFAULT_MASK), 0);
}

static int rx(struct validator *v, const struct fr *f, uint64_t sent)
{
	uint32_t ip;
	const uint8_t *mac;
	return validator_rx(v, f->b, f->len, sent, &ip, &mac);
}

static void test_pairing(void)
{
	struct validator v;
	load(&v);
	CHECK_EQ(v.n, N_ANS);
	CHECK_EQ(v.n_clients, 1);
	CHECK_EQ(v.clients[0], CLI);
	CHECK_EQ(v.e[A_ECHO1].req, R_ECHO1);
	CHECK_EQ(v.e[A_ECHO2].req, R_ECHO2);
	CHECK_EQ(v.e[A_DNS].req, R_DNS);
	/* same 5-tuple: the n-th answer pairs with the n-th request */
	CHECK_EQ(v.e[A_UDP1].req, R_UDP1);
	CHECK_EQ(v.e[A_UDP2].req, R_UDP2);
	/* SYN seq 1000 -> SYN-ACK ack 1001; the bare ACK asked nothing */
	CHECK_EQ(v.e[A_SYNACK].req, R_SYN);
	struct vkey k;
	CHECK_EQ(vkey_answer_of(req[R_ACK].b, req[R_ACK].len, &v.pc, &k), 0);
	CHECK_EQ(vkey_answer_of(req[R_SYN].b, req[R_SYN].len, &v.pc, &k), 1);
	CHECK_EQ(k.id, 1001);
	char t[V_TEXT];
	vkey_text(&v.e[A_DNS].k, t, sizeof(t));
	CHECK(!strcmp(t, "dns 198.18.200.2:53 > 198.18.200.1:40000 id 0x1111"));
	vkey_text(&v.e[A_ECHO2].k, t, sizeof(t));
	CHECK(!strcmp(t, "icmp echo 198.18.200.2 > 198.18.200.1 id 7 seq 2"));
	validator_free(&v);
}

static void test_all_matched(void)
{
	struct validator v;
	load(&v);
	for (int i = 0; i < N_ANS; i++)
		CHECK_EQ(rx(&v, &ans[i], N_REQ), VRX_MATCHED);
	CHECK_EQ(validator_outstanding(&v, N_REQ), 0);
	validator_finish(&v, N_REQ);
	CHECK_EQ(v.c.expected, N_ANS);
	CHECK_EQ(v.c.matched, N_ANS);
	CHECK_EQ(v.c.missing + v.c.different + v.c.unexpected, 0);
	validator_free(&v);
}

static void test_missing_wrong_unexpected(void)
{
	struct validator v;
	load(&v);
	struct fr wrong_dns, rst, stray, ufirst_again;
	dns(&wrong_dns, 0, 0x1111, 0xc6120063);        /* 198.18.0.99 */
	tcp(&rst, 0, 0, 1001, 0x14);                    /* RST|ACK instead of SYN-ACK */
	echo(&stray, 0, 7, 9, "ping-9");                /* nothing asked for seq 9 */
	CHECK_EQ(rx(&v, &ans[A_ECHO1], N_REQ), VRX_MATCHED);
	CHECK_EQ(rx(&v, &wrong_dns, N_REQ), VRX_DIFFERENT);
	CHECK_EQ(rx(&v, &rst, N_REQ), VRX_DIFFERENT);
	CHECK_EQ(rx(&v, &stray, N_REQ), VRX_UNEXPECTED);
	CHECK_EQ(rx(&v, &ans[A_UDP1], N_REQ), VRX_MATCHED);
	/* the UDP answers pair in order: "first" is taken, so another "first" meets "second" */
	ufirst_again = ans[A_UDP1];
	CHECK_EQ(rx(&v, &ufirst_again, N_REQ), VRX_DIFFERENT);
	/* echo 1 once more: expected, but not twice */
	CHECK_EQ(rx(&v, &ans[A_ECHO1], N_REQ), VRX_UNEXPECTED);
	CHECK_EQ(validator_outstanding(&v, N_REQ), 1); /* echo 2 */
	validator_finish(&v, N_REQ);
	CHECK_EQ(v.c.expected, N_ANS);
	CHECK_EQ(v.c.matched, 2);
	CHECK_EQ(v.c.different, 3);
	CHECK_EQ(v.c.missing, 1);
	CHECK_EQ(v.c.unexpected, 2);
	CHECK_EQ(v.c.duplicate, 1);
	/* differences field by field: the DNS address, the TCP flags, the UDP lengths and payload */
	CHECK_EQ(v.n_diffs, 5);
	CHECK(!strcmp(v.diffs[0].field, "dns.answer"));
	CHECK(!strcmp(v.diffs[0].expected, "198.18.0.10"));
	CHECK(!strcmp(v.diffs[0].got, "198.18.0.99"));
	CHECK_EQ(v.diffs[0].expect_frame, A_DNS + 1);
	CHECK_EQ(v.diffs[0].request, R_DNS + 1);
	CHECK(!strcmp(v.diffs[1].field, "tcp.flags"));
	CHECK(!strcmp(v.diffs[1].expected, "SA"));
	CHECK(!strcmp(v.diffs[1].got, "RA"));
	CHECK(!strcmp(v.diffs[2].field, "ip.len"));
	CHECK(!strcmp(v.diffs[2].expected, "34") && !strcmp(v.diffs[2].got, "33"));
	CHECK(!strcmp(v.diffs[3].field, "udp.len"));
	CHECK(!strcmp(v.diffs[3].expected, "6") && !strcmp(v.diffs[3].got, "5"));
	CHECK(!strcmp(v.diffs[4].field, "udp.payload"));
	CHECK(!strcmp(v.diffs[4].expected, "6 bytes, [0]=0x73"));
	CHECK(!strcmp(v.diffs[4].got, "5 bytes, [0]=0x66"));
	CHECK_EQ(v.n_miss, 1);
	CHECK(!strcmp(v.miss[0].what, "icmp echo 198.18.200.2 > 198.18.200.1 id 7 seq 2"));
	CHECK_EQ(v.miss[0].request, R_ECHO2 + 1);
	CHECK(!strcmp(v.unexp[0].what, "icmp echo 198.18.200.2 > 198.18.200.1 id 7 seq 9"));
	CHECK(!v.unexp[0].dup && v.unexp[1].dup);
	struct jbuf *j = calloc(1, sizeof(*j));
	jb_reset(j);
	jb_obj_open(j);
	validator_json(j, &v, 1);
	jb_obj_close(j);
	CHECK(strstr(j->buf, "\"field\":\"dns.answer\",\"expected\":\"198.18.0.10\",\"got\":\"198.18.0.99\"") != NULL);
	CHECK(strstr(j->buf, "\"missing\":1") != NULL);
	free(j);
	validator_free(&v);
}

static void test_loops_and_partial(void)
{
	struct validator v;
	load(&v);
	/* one loop and the first two frames of the next: echo 1 and 2 are due twice */
	uint64_t sent = N_REQ + 2;
	for (int i = 0; i < N_ANS; i++)
		CHECK_EQ(rx(&v, &ans[i], sent), VRX_MATCHED);
	CHECK_EQ(rx(&v, &ans[A_ECHO1], sent), VRX_MATCHED);
	CHECK_EQ(rx(&v, &ans[A_DNS], sent), VRX_UNEXPECTED); /* its request went out once */
	CHECK_EQ(validator_outstanding(&v, sent), 1);
	validator_finish(&v, sent);
	CHECK_EQ(v.c.expected, N_ANS + 2);
	CHECK_EQ(v.c.missing, 1);
	validator_free(&v);
}

static void test_arp_and_ignored(void)
{
	struct validator v;
	load(&v);
	struct fr a, other;
	uint32_t ip = 0;
	const uint8_t *mac = NULL;
	arp_request(&a, SRV, CLI);
	CHECK_EQ(validator_rx(&v, a.b, a.len, 1, &ip, &mac), VRX_ARP_REQUEST);
	CHECK_EQ(ip, CLI);
	CHECK(mac && !memcmp(mac, MAC_C, 6));
	arp_request(&a, SRV, 0xc612c809u); /* someone else */
	CHECK_EQ(validator_rx(&v, a.b, a.len, 1, &ip, &mac), VRX_IGNORED);
	echo(&other, 0, 7, 1, "ping-1");
	wr32(other.b + ETH_HLEN + 16, 0xc612c807u);
	CHECK_EQ(validator_rx(&v, other.b, other.len, 1, &ip, &mac), VRX_IGNORED);
	CHECK_EQ(v.c.arp_answered, 1);
	CHECK_EQ(v.c.ignored, 2);
	validator_free(&v);
}

static void test_rules(void)
{
	struct validator v;
	char err[100];
	unsigned rules = 0;
	CHECK_EQ(vrule_parse("icmp,dns,tcp", &rules), 0);
	CHECK_EQ(vrule_parse("icmp,smtp", &rules), -1);
	CHECK_EQ(validator_init(&v, vreq, N_REQ, 64, err, sizeof(err)), 0);
	CHECK_EQ(validator_rules(&v, vreq, rules, VF_DEFAULT_MASK), 0);
	CHECK_EQ(v.n, 4); /* two echoes, the DNS query, the SYN */
	struct fr bad_echo, nx;
	echo(&bad_echo, 0, 7, 2, "pong-2");
	dns(&nx, 0, 0x1111, 0);
	CHECK_EQ(rx(&v, &ans[A_ECHO1], N_REQ), VRX_MATCHED);
	CHECK_EQ(rx(&v, &bad_echo, N_REQ), VRX_DIFFERENT);
	CHECK_EQ(rx(&v, &nx, N_REQ), VRX_DIFFERENT);
	CHECK_EQ(rx(&v, &ans[A_SYNACK], N_REQ), VRX_MATCHED);
	CHECK(!strcmp(v.diffs[0].field, "icmp.payload"));
	CHECK(!strcmp(v.diffs[0].expected, "6 bytes, [1]=0x69"));
	CHECK(!strcmp(v.diffs[1].field, "dns.rcode"));
	CHECK(!strcmp(v.diffs[1].expected, "0") && !strcmp(v.diffs[1].got, "3"));
	validator_finish(&v, N_REQ);
	CHECK_EQ(v.c.missing, 0);
	validator_free(&v);
}

static void test_fields(void)
{
	unsigned m = VF_DEFAULT_MASK;
	char err[120];
	CHECK(!(m & (1u << VF_IP_TTL)));
	CHECK_EQ(vfield_toggle("+ip.ttl,-dns.answer", &m, err, sizeof(err)), 0);
	CHECK(m & (1u << VF_IP_TTL));
	CHECK(!(m & (1u << VF_DNS_ANSWER)));
	CHECK_EQ(vfield_toggle("ip.nope", &m, err, sizeof(err)), -1);
	CHECK(strstr(err, "ip.nope") != NULL);

	/* with dns.answer off, the wrong address is no difference */
	struct validator v;
	load(&v);
	v.e[A_DNS].fields = m;
	struct fr wrong_dns;
	dns(&wrong_dns, 0, 0x1111, 0xc6120063);
	CHECK_EQ(rx(&v, &wrong_dns, N_REQ), VRX_MATCHED);
	/* a bad UDP checksum is a difference even when the bytes agree */
	ans[A_UDP1].b[ETH_HLEN + IPV4_HLEN + 6] ^= 0x55;
	CHECK_EQ(rx(&v, &ans[A_UDP1], N_REQ), VRX_DIFFERENT);
	CHECK(!strcmp(v.diffs[0].field, "l4.checksum"));
	ans[A_UDP1].b[ETH_HLEN + IPV4_HLEN + 6] ^= 0x55;
	validator_free(&v);
}

int main(void)
{
	requests();
	answers();
	test_pairing();
	test_all_matched();
	test_missing_wrong_unexpected();
	test_loops_and_partial();
	test_arp_and_ignored();
	test_rules();
	test_fields();
	printf("unit_validate: %d checks, %d failures\n", checks, failures);
	return failures != 0;
}
