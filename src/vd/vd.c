/* vd.c: the VD manager: relocation through the extents of a VD and the bounds check.
 * The paper's section 5: "On each disk access the VD manager uses the VMBLOCK's VDDATA
 * to compute the access point of the VD on the real disk." */
#include "vd/vd.h"

#include <stdio.h>
#include <string.h>

#include "base/err.h"

void vd_init_flat(VdDisk *vd, const char *dev, Backend *b, u64 start, u64 sectors)
{
	memset(vd, 0, sizeof(*vd));
	snprintf(vd->dev, sizeof(vd->dev), "%s", dev);
	vd->type = dev[0] == 'f' ? VD_TYPE_FD : VD_TYPE_HD;
	vd->sectors = sectors;
	vd->nextents = 1;
	vd->extent[0] = (VdExtent){start, sectors};
	vd->backend = b;
	vd->data_start = start;
	vd->data_end = start + sectors;
}

int vd_relocate(const VdDisk *vd, u64 lba, u64 *real, u64 *run)
{
	if (lba >= vd->sectors)
		return VMCP_ERANGE;
	u64 base = 0;
	for (u32 i = 0; i < vd->nextents; i++) {
		const VdExtent *e = &vd->extent[i];
		if (lba < base + e->count) {
			u64 r = e->start + (lba - base);
			/* Defence in depth: an extent outside the data area is a VDDATA bug. */
			if (r < vd->data_start || r >= vd->data_end)
				return VMCP_ERANGE;
			*real = r;
			*run = e->count - (lba - base);
			return 0;
		}
		base += e->count;
	}
	return VMCP_ERANGE;
}

/* Counts a backend failure for the CP to report; returns it. */
static int host_error(VdDisk *vd, int r)
{
	vd->host_errors++;
	vd->last_host_error = r;
	return r;
}

/* Checks the whole request before the first byte moves. */
static int check_range(const VdDisk *vd, u64 lba, u32 count)
{
	if (count == 0)
		return 0;
	if (lba >= vd->sectors || count > vd->sectors - lba)
		return VMCP_ERANGE;
	return 0;
}

/* The one path between a device model and the real disk: the whole request is checked
 * against the VD, then each piece is relocated through the extents and moved. rd is the
 * buffer of a read, wr that of a write (the other is NULL). */
static int transfer(VdDisk *vd, u64 lba, u32 count, u8 *rd, const u8 *wr)
{
	int r = check_range(vd, lba, count);
	if (r)
		return r;
	while (count) {
		u64 real, run;
		if ((r = vd_relocate(vd, lba, &real, &run)))
			return r;
		u32 n = run < count ? (u32)run : count;
		size_t len = (size_t)n * SECTOR_SIZE;
		r = wr ? backend_pwrite(vd->backend, wr, len, real * SECTOR_SIZE)
		       : backend_pread(vd->backend, rd, len, real * SECTOR_SIZE);
		if (r)
			return host_error(vd, r);
		if (vd->trace)
			vd->trace(vd->trace_ctx, vd, wr != NULL, lba, real, n);
		if (wr) {
			vd->sectors_written += n;
			wr += len;
		} else {
			vd->sectors_read += n;
			rd += len;
		}
		lba += n;
		count -= n;
	}
	if (wr)
		vd->nwrites++;
	else
		vd->nreads++;
	return 0;
}

int vd_read(VdDisk *vd, u64 lba, u32 count, void *buf)
{
	return transfer(vd, lba, count, buf, NULL);
}

int vd_write(VdDisk *vd, u64 lba, u32 count, const void *buf)
{
	if (vd->readonly)
		return VMCP_EINVAL;
	return transfer(vd, lba, count, NULL, buf);
}

int vd_zero(VdDisk *vd, u64 lba, u64 count)
{
	if (vd->readonly)
		return VMCP_EINVAL;
	if (count && (lba >= vd->sectors || count > vd->sectors - lba))
		return VMCP_ERANGE;
	while (count) {
		u64 real, run;
		int r = vd_relocate(vd, lba, &real, &run);
		if (r)
			return r;
		u64 n = MIN(run, count);
		if ((r = backend_zero(vd->backend, real * SECTOR_SIZE, n * SECTOR_SIZE)))
			return host_error(vd, r);
		if (vd->trace)
			vd->trace(vd->trace_ctx, vd, true, lba, real, (u32)MIN(n, 0xFFFFFFFFu));
		vd->sectors_written += n;
		lba += n;
		count -= n;
	}
	vd->nwrites++;
	return 0;
}

int vd_flush(VdDisk *vd)
{
	int r = backend_flush(vd->backend);
	return r ? host_error(vd, r) : 0;
}
