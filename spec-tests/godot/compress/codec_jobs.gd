# Runs compression jobs with Godot 3's own codecs (PoolByteArray.compress/decompress).
# Usage: godot3-server --path DIR -s codec_jobs.gd   (DIR holds project.godot and jobs.txt)
# jobs.txt lines, paths relative to DIR:
#   compress <mode> <in> <out>
#   decompress <mode> <buffer_size> <in> <out>
# mode is File.COMPRESSION_*: 0 FASTLZ, 1 DEFLATE, 2 ZSTD, 3 GZIP.
# A failed decompression writes an empty file. Prints "JOBS DONE <n>" at the end.
extends SceneTree

func read_all(path):
	var f = File.new()
	if f.open(path, File.READ) != OK:
		return null
	var data = f.get_buffer(f.get_len())
	f.close()
	return data

func write_all(path, data):
	var f = File.new()
	f.open(path, File.WRITE)
	f.store_buffer(data)
	f.close()

func _init():
	var jobs = File.new()
	if jobs.open("res://jobs.txt", File.READ) != OK:
		print("JOBS MISSING")
		quit()
		return
	var done = 0
	while not jobs.eof_reached():
		var line = jobs.get_line().strip_edges()
		if line == "":
			continue
		var parts = line.split(" ")
		if parts[0] == "compress":
			var data = read_all("res://" + parts[2])
			write_all("res://" + parts[3], data.compress(int(parts[1])))
		elif parts[0] == "decompress":
			var data = read_all("res://" + parts[3])
			write_all("res://" + parts[4], data.decompress(int(parts[2]), int(parts[1])))
		done += 1
	jobs.close()
	print("JOBS DONE ", done)
	quit()
