/*
 * csort: a freestanding C test kernel (gcc -O2) that checks the CPU on the
 * kind of code a compiler emits rather than hand-picked instructions:
 * quicksort and heapsort of 1000 pseudo-random numbers (recursion,
 * function pointers, 64-bit arithmetic on the 32-bit build), CRC-32
 * (table-driven, check value of "123456789"), a sieve of Eratosthenes up
 * to 100000, the 8-queens count, a small integer matrix product and a
 * switch-heavy bytecode interpreter (jump tables). It prints each result,
 * checks the ones with known answers, prints a checksum of everything and
 * exits with 0 when all checks pass (1 otherwise).
 * The same source builds as csort (ELF32, -m32) and csort64 (long mode,
 * -m64); both must print the same lines apart from the first.
 */
#include "rt.h"

#define N 1000

static uint32_t fnv = 2166136261u;
static int failures;

/* mix folds a result into the running FNV-1a checksum. */
static void mix(uint32_t v)
{
	for (int i = 0; i < 4; i++) {
		fnv ^= (v >> (8 * i)) & 0xff;
		fnv *= 16777619u;
	}
}

static void check(const char *what, int ok)
{
	printf("  check %s: %s\n", what, ok ? "ok" : "FAILED");
	if (!ok)
		failures++;
}

/* xorshift64* pseudo-random numbers (64-bit shifts and multiply). */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rng(void)
{
	uint64_t x = rng_state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return (uint32_t)((x * 0x2545f4914f6cdd1dull) >> 32);
}

typedef int (*cmp_fn)(uint32_t, uint32_t);

static int cmp_up(uint32_t a, uint32_t b) { return a < b ? -1 : a > b; }
static int cmp_down(uint32_t a, uint32_t b) { return cmp_up(b, a); }

static void swap(uint32_t *a, uint32_t *b)
{
	uint32_t t = *a;
	*a = *b;
	*b = t;
}

static void quicksort(uint32_t *v, int lo, int hi, cmp_fn cmp)
{
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		if (cmp(v[mid], v[lo]) < 0)
			swap(&v[mid], &v[lo]);
		if (cmp(v[hi], v[lo]) < 0)
			swap(&v[hi], &v[lo]);
		if (cmp(v[hi], v[mid]) < 0)
			swap(&v[hi], &v[mid]);
		uint32_t pivot = v[mid];
		int i = lo, j = hi;
		while (i <= j) {
			while (cmp(v[i], pivot) < 0)
				i++;
			while (cmp(v[j], pivot) > 0)
				j--;
			if (i <= j)
				swap(&v[i++], &v[j--]);
		}
		/* Recurse into the smaller half, loop on the larger. */
		if (j - lo < hi - i) {
			quicksort(v, lo, j, cmp);
			lo = i;
		} else {
			quicksort(v, i, hi, cmp);
			hi = j;
		}
	}
}

static void sift(uint32_t *v, int start, int end)
{
	int root = start;
	while (2 * root + 1 <= end) {
		int child = 2 * root + 1;
		if (child + 1 <= end && v[child] < v[child + 1])
			child++;
		if (v[root] >= v[child])
			return;
		swap(&v[root], &v[child]);
		root = child;
	}
}

static void heapsort(uint32_t *v, int n)
{
	for (int start = (n - 2) / 2; start >= 0; start--)
		sift(v, start, n - 1);
	for (int end = n - 1; end > 0; end--) {
		swap(&v[0], &v[end]);
		sift(v, 0, end - 1);
	}
}

static uint32_t a[N], b[N], c[N];

static void sorting(void)
{
	uint64_t sum = 0;
	for (int i = 0; i < N; i++) {
		a[i] = rng();
		sum += a[i];
	}
	memcpy(b, a, sizeof a);
	memcpy(c, a, sizeof a);
	quicksort(a, 0, N - 1, cmp_up);
	heapsort(b, N);
	quicksort(c, 0, N - 1, cmp_down);
	int sorted = 1, same = 1, reversed = 1;
	uint64_t sum2 = 0;
	for (int i = 0; i < N; i++) {
		if (i && a[i - 1] > a[i])
			sorted = 0;
		if (a[i] != b[i])
			same = 0;
		if (c[N - 1 - i] != a[i])
			reversed = 0;
		sum2 += a[i];
		mix(a[i]);
	}
	printf("sort: n=%d min=%08x median=%08x max=%08x sum=%llx\n", N, a[0], a[N / 2], a[N - 1],
	       (unsigned long long)sum);
	check("quicksort sorted", sorted);
	check("heapsort == quicksort", same);
	check("descending == reversed", reversed);
	check("sum kept", sum == sum2);
}

static uint32_t crc_table[256];

static uint32_t crc32(const uint8_t *p, size_t n)
{
	if (!crc_table[1]) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t r = i;
			for (int k = 0; k < 8; k++)
				r = (r >> 1) ^ (0xedb88320u & -(r & 1));
			crc_table[i] = r;
		}
	}
	uint32_t crc = 0xffffffffu;
	while (n--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static void crcs(void)
{
	uint32_t check_value = crc32((const uint8_t *)"123456789", 9);
	uint32_t over_sorted = crc32((const uint8_t *)a, sizeof a);
	printf("crc32: \"123456789\"=%08x sorted-array=%08x\n", check_value, over_sorted);
	check("crc32 check value", check_value == 0xcbf43926u);
	mix(check_value);
	mix(over_sorted);
}

#define SIEVE 100000
static uint8_t composite[SIEVE + 1];

static void sieve(void)
{
	int count = 0;
	uint32_t last = 0, sum = 0;
	for (uint32_t i = 2; i <= SIEVE; i++) {
		if (composite[i])
			continue;
		count++;
		last = i;
		sum += i;
		for (uint32_t j = i * i; i <= 316 && j <= SIEVE; j += i)
			composite[j] = 1;
	}
	printf("sieve: primes<=%d count=%d largest=%u sum=%u\n", SIEVE, count, last, sum);
	check("pi(100000) == 9592", count == 9592);
	mix((uint32_t)count);
	mix(sum);
}

static int queens(int row, uint32_t cols, uint32_t d1, uint32_t d2)
{
	if (row == 8)
		return 1;
	int n = 0;
	uint32_t free = ~(cols | d1 | d2) & 0xff;
	while (free) {
		uint32_t bit = free & -free;
		free ^= bit;
		n += queens(row + 1, cols | bit, ((d1 | bit) << 1) & 0xff, (d2 | bit) >> 1);
	}
	return n;
}

static void matrix(void)
{
	static int32_t m1[8][8], m2[8][8], m3[8][8];
	for (int i = 0; i < 8; i++)
		for (int j = 0; j < 8; j++) {
			m1[i][j] = (int32_t)(rng() % 201) - 100;
			m2[i][j] = (int32_t)(rng() % 201) - 100;
		}
	int64_t trace = 0;
	int32_t minv = 0x7fffffff;
	for (int i = 0; i < 8; i++)
		for (int j = 0; j < 8; j++) {
			int32_t s = 0;
			for (int k = 0; k < 8; k++)
				s += m1[i][k] * m2[k][j];
			m3[i][j] = s;
			if (s < minv)
				minv = s;
			mix((uint32_t)s);
		}
	for (int i = 0; i < 8; i++)
		trace += m3[i][i];
	printf("matrix: trace=%d min=%d\n", (int)trace, minv);
}

/* A tiny stack machine: the switch compiles to a jump table. */
enum { PUSH, ADD, SUB, MUL, DUP, SWAP, OVER, ROT, JNZ, DEC, DROP, XOR, SHL, HALT };

static uint32_t run_vm(const uint8_t *code)
{
	uint32_t stack[16];
	int sp = 0, pc = 0;
	for (;;) {
		uint8_t op = code[pc++];
		switch (op) {
		case PUSH: stack[sp++] = code[pc++]; break;
		case ADD: sp--; stack[sp - 1] += stack[sp]; break;
		case SUB: sp--; stack[sp - 1] -= stack[sp]; break;
		case MUL: sp--; stack[sp - 1] *= stack[sp]; break;
		case DUP: stack[sp] = stack[sp - 1]; sp++; break;
		case SWAP: { uint32_t t = stack[sp - 1]; stack[sp - 1] = stack[sp - 2]; stack[sp - 2] = t; break; }
		case OVER: stack[sp] = stack[sp - 2]; sp++; break;
		case ROT: { uint32_t t = stack[sp - 3]; stack[sp - 3] = stack[sp - 2]; stack[sp - 2] = stack[sp - 1]; stack[sp - 1] = t; break; }
		case JNZ: { uint8_t to = code[pc++]; if (stack[sp - 1]) pc = to; break; }
		case DEC: stack[sp - 1]--; break;
		case DROP: sp--; break;
		case XOR: sp--; stack[sp - 1] ^= stack[sp]; break;
		case SHL: sp--; stack[sp - 1] <<= (stack[sp] & 31); break;
		case HALT: return stack[sp - 1];
		default: return 0xdeadbeef;
		}
	}
}

static void interp(void)
{
	/* 12!: acc n -> n acc -> n acc n -> n acc*n -> acc' n -> acc' n-1 */
	static const uint8_t fact[] = {
		PUSH, 1, PUSH, 12,
		/* 4 */ SWAP, OVER, MUL, SWAP, DEC, JNZ, 4,
		DROP, HALT,
	};
	/* sum of n*n for n = 100..1: acc n -> acc n n*n -> n n*n acc -> ... */
	static const uint8_t squares[] = {
		PUSH, 0, PUSH, 100,
		/* 4 */ DUP, DUP, MUL, ROT, ADD, SWAP, DEC, JNZ, 4,
		DROP, HALT,
	};
	/* a shift/xor hash: acc = (acc << 5) ^ acc ^ n for n = 200..1 */
	static const uint8_t hash[] = {
		PUSH, 7, PUSH, 200,
		/* 4 */ SWAP, DUP, PUSH, 5, SHL, XOR, OVER, XOR, SWAP, DEC, JNZ, 4,
		DROP, HALT,
	};
	uint32_t r1 = run_vm(fact), r2 = run_vm(squares), r3 = run_vm(hash);
	printf("interp: 12!=%u squares=%u hash=%08x\n", r1, r2, r3);
	check("12! == 479001600", r1 == 479001600u);
	check("sum of squares == 338350", r2 == 338350u);
	mix(r1);
	mix(r2);
	mix(r3);
}

int main(void)
{
	printf("csort: freestanding C, %d-bit, gcc -O2\n", (int)sizeof(void *) * 8);
	sorting();
	crcs();
	sieve();
	int q = queens(0, 0, 0, 0);
	printf("queens: 8x8 solutions=%d\n", q);
	check("8 queens == 92", q == 92);
	mix((uint32_t)q);
	matrix();
	interp();
	printf("checksum: %08x\n", fnv);
	printf("csort: %s\n", failures ? "FAILED" : "all checks passed");
	return failures ? 1 : 0;
}
