plugins {
    id("com.android.application")
    id("org.jetbrains.kotlin.android")
}

android {
    namespace = "dev.ringfence.sample"
    compileSdk = 35

    defaultConfig {
        applicationId = "dev.ringfence.sample"
        // The call-screening role (RoleManager.ROLE_CALL_SCREENING) and
        // CallResponse.Builder.setSilenceCall both arrived in API 29.
        minSdk = 29
        targetSdk = 35
        versionCode = 1
        versionName = "0.1.0"
    }

    buildTypes {
        release {
            // Shrinks with the AAR's consumer rules (JNA and dev.ringfence.** kept).
            isMinifyEnabled = true
            proguardFiles(getDefaultProguardFile("proguard-android-optimize.txt"))
        }
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    packaging {
        // Native libraries stay uncompressed and page-aligned in the APK, loaded in place
        // (needed for 16 KB-page devices).
        jniLibs.useLegacyPackaging = false
    }
}

kotlin {
    jvmToolchain(17)
}

dependencies {
    implementation("dev.ringfence:ringfence-android:0.1.0")
    implementation("androidx.activity:activity-ktx:1.9.3")
    // SyncWorker: the periodic community sync.
    implementation("androidx.work:work-runtime-ktx:2.9.1")
    // OkHttpTransport: the community sync over the app's own HTTP client.
    implementation("com.squareup.okhttp3:okhttp:4.12.0")
}
