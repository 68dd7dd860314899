# Builds wasm32-wasi command modules (guest tools, test guests, benchmark
# kernels) at build time with clang-19 and Debian's wasi-libc.
#
#   airlock_add_wasm(NAME
#       SOURCES src.c... | SOURCES module.wat
#       [OPT -O2]                 # optimisation flag, default -O2
#       [CFLAGS flag...]          # extra compile flags (-D, -I, -W..., -m...)
#       [LDFLAGS flag...]         # extra link flags (-lm, -Wl,-z,stack-size=N,
#                                 #   -lwasi-emulated-process-clocks, ...)
#       [DEPENDS file-or-target...]  # extra build dependencies
#       [TARGET target-name])     # default: NAME_wasm
#
# Output: ${CMAKE_CURRENT_BINARY_DIR}/NAME.wasm, built as part of `all` by
# the custom target (NAME_wasm unless TARGET is given); the target's WASM_FILE
# property holds the path, e.g. $<TARGET_PROPERTY:hello_wasm,WASM_FILE>.
# C sources (.c) are compiled one object each, with header dependencies
# tracked, then linked with wasm-ld against wasi-libc, dropping DWARF (Debian's
# libc.a carries it; it would be 3/4 of a small module) but keeping the "name"
# section for symbolised traps; a single .wat source is
# assembled with wat2wasm instead (for hand-written test modules).
# Relative source paths are relative to the current source directory.
#
# Toolchain: clang-19 --target=wasm32-wasi with a private sysroot under the
# build tree that holds only wasi-libc (symlinks to /usr/include/wasm32-wasi
# and /usr/lib/wasm32-wasi). `--sysroot=/usr` also works but puts the host's
# /usr/include and /usr/local/include on the search path, so a header missing
# from wasi-libc would silently resolve to glibc's. The compiler-rt builtins
# come from the clang resource dir (libclang-rt-19-dev-wasm32).
include_guard(GLOBAL)

find_program(AIRLOCK_WASM_CC NAMES clang-19
             DOC "clang able to target wasm32-wasi (Debian: clang-19)")
find_program(AIRLOCK_WAT2WASM NAMES wat2wasm DOC "WABT's wat2wasm")
if(NOT AIRLOCK_WASM_CC)
  message(FATAL_ERROR "clang-19 not found: run scripts/install-deps")
endif()
if(NOT EXISTS /usr/lib/wasm32-wasi/libc.a
   OR NOT EXISTS /usr/include/wasm32-wasi/stdio.h)
  message(FATAL_ERROR "wasi-libc not found in /usr: run scripts/install-deps")
endif()
if(NOT EXISTS /usr/lib/llvm-19/lib/clang/19/lib/wasi/libclang_rt.builtins-wasm32.a)
  message(FATAL_ERROR
          "libclang_rt.builtins-wasm32.a not found: run scripts/install-deps")
endif()

set(AIRLOCK_WASI_SYSROOT ${CMAKE_BINARY_DIR}/wasi-sysroot)
file(MAKE_DIRECTORY ${AIRLOCK_WASI_SYSROOT}/include ${AIRLOCK_WASI_SYSROOT}/lib)
file(CREATE_LINK /usr/include/wasm32-wasi
     ${AIRLOCK_WASI_SYSROOT}/include/wasm32-wasi SYMBOLIC)
file(CREATE_LINK /usr/lib/wasm32-wasi
     ${AIRLOCK_WASI_SYSROOT}/lib/wasm32-wasi SYMBOLIC)

function(airlock_add_wasm NAME)
  cmake_parse_arguments(W "" "OPT;TARGET" "SOURCES;CFLAGS;LDFLAGS;DEPENDS"
                        ${ARGN})
  if(W_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR
            "airlock_add_wasm(${NAME}): unknown arguments ${W_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT W_SOURCES)
    message(FATAL_ERROR "airlock_add_wasm(${NAME}): no SOURCES")
  endif()
  if(NOT W_OPT)
    set(W_OPT -O2)
  endif()
  if(NOT W_TARGET)
    set(W_TARGET ${NAME}_wasm)
  endif()
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${NAME}.wasm)

  list(LENGTH W_SOURCES n)
  list(GET W_SOURCES 0 first)
  get_filename_component(first_abs ${first} ABSOLUTE)
  if(first MATCHES "\\.wat$")
    if(NOT n EQUAL 1)
      message(FATAL_ERROR "airlock_add_wasm(${NAME}): a .wat source must be alone")
    endif()
    if(NOT AIRLOCK_WAT2WASM)
      message(FATAL_ERROR "wat2wasm not found: run scripts/install-deps")
    endif()
    add_custom_command(
        OUTPUT ${out}
        COMMAND ${AIRLOCK_WAT2WASM} ${first_abs} -o ${out}
        DEPENDS ${first_abs} ${W_DEPENDS}
        COMMENT "Assembling ${NAME}.wasm"
        VERBATIM)
  else()
    set(cflags --target=wasm32-wasi --sysroot=${AIRLOCK_WASI_SYSROOT} ${W_OPT}
        ${W_CFLAGS})
    set(objdir ${CMAKE_CURRENT_BINARY_DIR}/CMakeFiles/${NAME}.wasm.dir)
    set(objects)
    foreach(src IN LISTS W_SOURCES)
      if(NOT src MATCHES "\\.c$")
        message(FATAL_ERROR
                "airlock_add_wasm(${NAME}): ${src}: only .c sources (or one .wat)")
      endif()
      get_filename_component(src_abs ${src} ABSOLUTE)
      file(RELATIVE_PATH rel ${CMAKE_CURRENT_SOURCE_DIR} ${src_abs})
      string(REPLACE "../" "__/" rel ${rel})
      set(obj ${objdir}/${rel}.o)
      get_filename_component(obj_dir ${obj} DIRECTORY)
      add_custom_command(
          OUTPUT ${obj}
          COMMAND ${CMAKE_COMMAND} -E make_directory ${obj_dir}
          COMMAND ${AIRLOCK_WASM_CC} ${cflags} -MD -MF ${obj}.d -c ${src_abs}
                  -o ${obj}
          DEPENDS ${src_abs} ${W_DEPENDS}
          DEPFILE ${obj}.d
          COMMENT "Compiling ${rel} for wasm32-wasi"
          VERBATIM)
      list(APPEND objects ${obj})
    endforeach()
    add_custom_command(
        OUTPUT ${out}
        COMMAND ${AIRLOCK_WASM_CC} --target=wasm32-wasi
                --sysroot=${AIRLOCK_WASI_SYSROOT} ${W_OPT} -Wl,--strip-debug
                ${objects} ${W_LDFLAGS} -o ${out}
        DEPENDS ${objects}
        COMMENT "Linking ${NAME}.wasm"
        VERBATIM)
  endif()
  add_custom_target(${W_TARGET} ALL DEPENDS ${out})
  set_target_properties(${W_TARGET} PROPERTIES WASM_FILE ${out})
endfunction()
