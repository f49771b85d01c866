// ringfence for Android: an AAR with
//   - the generated Kotlin bindings (package dev.ringfence, made with android = true),
//   - the hand-written glue in src/main/kotlin (CallResponsePolicy, ScreeningBudget),
//   - libringfence_ffi.so for arm64-v8a, armeabi-v7a and x86_64 (cargo-ndk),
//   - consumer ProGuard/R8 rules for JNA and the bindings.
// The Rust side is built by build.sh, which the `buildRust` task runs before every
// build (skip it with -Pringfence.skipRust=true when build.sh already ran).
plugins {
    id("com.android.library")
    id("org.jetbrains.kotlin.android")
    `maven-publish`
}

group = "dev.ringfence"
version = "0.1.0"

// Written by build.sh: kotlin/dev/ringfence/ringfence_ffi.kt and jniLibs/<abi>/*.so.
val generated: File = layout.buildDirectory.dir("generated/uniffi").get().asFile

android {
    namespace = "dev.ringfence"
    compileSdk = 35

    defaultConfig {
        // JNA 5.17 supports API 24+; the call-screening role itself needs API 29.
        minSdk = 24
        consumerProguardFiles("consumer-rules.pro")
    }

    sourceSets["main"].apply {
        kotlin.srcDir(generated.resolve("kotlin"))
        jniLibs.srcDir(generated.resolve("jniLibs"))
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    publishing {
        singleVariant("release") {
            withSourcesJar()
        }
    }
}

kotlin {
    jvmToolchain(17)
}

dependencies {
    // The generated bindings call the Rust library through JNA. The @aar artifact carries
    // JNA's own native libraries for Android, built for 16 KB pages from 5.17.0 on.
    implementation("net.java.dev.jna:jna:5.17.0@aar")
    // android = true bindings annotate API-level-specific code with @RequiresApi.
    implementation("androidx.annotation:annotation:1.9.1")
}

val buildRust by tasks.registering(Exec::class) {
    description = "Builds libringfence_ffi.so for each ABI (cargo-ndk) and generates the Kotlin bindings"
    group = "build"
    onlyIf { !providers.gradleProperty("ringfence.skipRust").map(String::toBoolean).getOrElse(false) }
    workingDir = projectDir
    commandLine("bash", "build.sh", "--out", generated.path)
    val repo = projectDir.resolve("../..")
    inputs.files(
        repo.resolve("Cargo.toml"), repo.resolve("Cargo.lock"),
        repo.resolve("bindings/Cargo.toml"), repo.resolve("bindings/uniffi.toml"),
        repo.resolve("bindings/uniffi-android.toml"), projectDir.resolve("build.sh"),
    )
    inputs.dir(repo.resolve("core/src"))
    inputs.dir(repo.resolve("bindings/src"))
    outputs.dir(generated)
}

tasks.named("preBuild") { dependsOn(buildRust) }

publishing {
    publications {
        register<MavenPublication>("release") {
            artifactId = "ringfence-android"
            afterEvaluate { from(components["release"]) }
        }
    }
}
