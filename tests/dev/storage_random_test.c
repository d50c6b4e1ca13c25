/* storage_random_test.c: a fixed-seed random walk of guest port accesses, clock steps
 * and memory writes over the IDE, bus-master, DMA and floppy ports (tests/dev/
 * storage_ops.h). Checks what must hold whatever the guest does: no crash or sanitizer
 * report (under MODE=asan), no byte written outside the VDs (guard sectors around each
 * VD stay intact), an ATA status never shows BSY and DRQ together, and the devices
 * still work afterwards (a reset channel reads a sector back). */
#include "../test.h"
#include "storage_ops.h"

static u64 rng = 0x9E3779B97F4A7C15ull;

static u8 next_byte(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (u8)(rng >> 24);
}

int main(void)
{
	static StorageMachine m;
	if (sm_init(&m)) {
		printf("0 passed, 1 failed\n");
		return 1;
	}
	enum { ROUNDS = 40, OPS = 4096 };
	static u8 stream[OPS * 4];
	bool guards = true, status_ok = true;
	for (int round = 0; round < ROUNDS; round++) {
		for (size_t i = 0; i < sizeof(stream); i++)
			stream[i] = next_byte();
		const u8 *p = stream, *end = stream + sizeof(stream);
		while (sm_step(&m, &p, end)) {
			u8 s0 = (u8)io_read(m.io, 0x3F6, 1), s1 = (u8)io_read(m.io, 0x376, 1);
			if ((s0 != 0xFF && (s0 & 0x88) == 0x88) || (s1 != 0xFF && (s1 & 0x88) == 0x88))
				status_ok = false;
		}
		guards = guards && sm_guards_intact(&m);
	}
	CHECK(guards, "guard sectors around the VDs intact");
	CHECK(status_ok, "BSY and DRQ never both set");
	CHECK(m.vd[0].sectors_written + m.vd[1].sectors_written + m.vd[2].sectors_written > 0,
	      "the walk reached the disks (%llu sectors written)",
	      (unsigned long long)(m.vd[0].sectors_written + m.vd[1].sectors_written +
				   m.vd[2].sectors_written));

	/* After all that, a soft reset and a plain READ SECTORS still work. */
	io_write(m.io, 0x3F6, 0x04, 1);
	io_write(m.io, 0x3F6, 0x02, 1);
	for (int i = 0; i < 100 && (io_read(m.io, 0x3F6, 1) & 0x80); i++) {
		clock_advance_to(&m.clk, clock_now(&m.clk) + 10000);
		clock_run_timers(&m.clk);
	}
	CHECK_EQ(io_read(m.io, 0x1F7, 1), 0x50);
	io_write(m.io, 0x1F6, 0xE0, 1);
	io_write(m.io, 0x1F2, 1, 1);
	io_write(m.io, 0x1F3, 7, 1);
	io_write(m.io, 0x1F4, 0, 1);
	io_write(m.io, 0x1F5, 0, 1);
	io_write(m.io, 0x1F7, 0x20, 1);
	clock_advance_to(&m.clk, clock_now(&m.clk) + 100000);
	clock_run_timers(&m.clk);
	CHECK_EQ(io_read(m.io, 0x1F7, 1), 0x58);
	u8 sector[512];
	for (int i = 0; i < 256; i++)
		put_le16(sector + 2 * i, (u16)io_read(m.io, 0x1F0, 2));
	CHECK(!memcmp(sector, backend_mem_data(m.back[0]) + (SM_GUARD + 7) * SECTOR_SIZE, 512),
	      "sector 7 reads back as stored");
	CHECK_EQ(io_read(m.io, 0x1F7, 1), 0x50);
	sm_free(&m);
	return test_summary();
}
